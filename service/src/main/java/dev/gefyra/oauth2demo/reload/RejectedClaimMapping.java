package dev.gefyra.oauth2demo.reload;

import java.time.Instant;

import dev.gefyra.oauth2demo.claims.ClaimsProperties;
import org.jspecify.annotations.Nullable;

/**
 * A claim mapping that was refused, kept for the actuator so an operator sees why a
 * change did not take effect.
 *
 * @param settings the settings as bound, or {@code null} when they could not even be
 * bound
 * @param error every problem found
 * @param rejectedAt when it was refused
 */
public record RejectedClaimMapping(@Nullable ClaimsProperties settings, String error, Instant rejectedAt) {

}
