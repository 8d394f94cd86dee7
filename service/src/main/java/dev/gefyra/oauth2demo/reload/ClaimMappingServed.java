package dev.gefyra.oauth2demo.reload;

/**
 * A valid change of the settings was taken: requests are now served with it. Also
 * published, with the revision already served, when settings that map the same replace
 * refused ones.
 *
 * @param snapshot the mapping now served, with its revision
 */
public record ClaimMappingServed(ClaimMappingSnapshot snapshot) {

}
