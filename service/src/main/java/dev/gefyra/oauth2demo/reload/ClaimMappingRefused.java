package dev.gefyra.oauth2demo.reload;

/**
 * A change of the settings was refused: requests are still served with the last good
 * mapping. Published once per distinct error.
 *
 * @param rejection what was refused and why
 * @param served the mapping still served
 */
public record ClaimMappingRefused(RejectedClaimMapping rejection, ClaimMappingSnapshot served) {

}
