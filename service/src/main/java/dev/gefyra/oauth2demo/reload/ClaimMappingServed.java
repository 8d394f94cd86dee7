package dev.gefyra.oauth2demo.reload;

/**
 * A valid change of the settings was taken: requests are now served with it.
 *
 * @param snapshot the mapping now served, with its new revision
 */
public record ClaimMappingServed(ClaimMappingSnapshot snapshot) {

}
