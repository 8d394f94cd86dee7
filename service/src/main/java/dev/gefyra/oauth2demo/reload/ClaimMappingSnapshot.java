package dev.gefyra.oauth2demo.reload;

import java.time.Instant;

import dev.gefyra.oauth2demo.claims.ClaimMapping;

/**
 * The mapping being served, with the revision it got when it was accepted.
 *
 * @param mapping the mapping
 * @param revision 1 for the mapping found at start-up, then one more for each accepted
 * change
 * @param loadedAt when it was accepted
 */
public record ClaimMappingSnapshot(ClaimMapping mapping, long revision, Instant loadedAt) {

}
