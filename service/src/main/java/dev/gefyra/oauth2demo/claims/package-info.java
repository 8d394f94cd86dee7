/**
 * The claim mapping: validated, immutable snapshots bound from the environment and
 * swapped atomically on refresh.
 */
@NullMarked
package dev.gefyra.oauth2demo.claims;

import org.jspecify.annotations.NullMarked;
