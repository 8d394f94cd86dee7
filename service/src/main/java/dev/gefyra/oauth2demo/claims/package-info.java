/**
 * The claim mapping itself: which claim path fills which response field, validated into
 * an immutable value and applied to a token's claims.
 */
@NullMarked
package dev.gefyra.oauth2demo.claims;

import org.jspecify.annotations.NullMarked;
