package dev.gefyra.oauth2demo.claims;

import org.jspecify.annotations.Nullable;

/**
 * One entry of {@code claims.mapping} as written in configuration: response field &larr;
 * claim path. Fields are nullable because this is what was bound, before validation.
 *
 * @param field the name of the field in the response
 * @param claim the dotted claim path to read it from
 */
public record ConfiguredField(@Nullable String field, @Nullable String claim) {

}
