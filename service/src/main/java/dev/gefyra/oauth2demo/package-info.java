/**
 * Claim service: WebFlux routes that answer with token claims chosen by a reloadable
 * mapping.
 */
@NullMarked
package dev.gefyra.oauth2demo;

import org.jspecify.annotations.NullMarked;
