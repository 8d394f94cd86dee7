/**
 * How the service lives with the Kubernetes API: the ConfigMap watch started without
 * blocking start-up, a check of the ConfigMap the settings come from, a watch refusing
 * settings that are not YAML at all, Events on that ConfigMap saying what this Pod made
 * of it, and a clear message when the API is required but unreachable.
 */
@NullMarked
package dev.gefyra.oauth2demo.kubernetes;

import org.jspecify.annotations.NullMarked;
