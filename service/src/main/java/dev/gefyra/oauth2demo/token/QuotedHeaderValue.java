package dev.gefyra.oauth2demo.token;

import org.jspecify.annotations.Nullable;

/**
 * A value from a token's header as a refusal quotes it: whole up to a length no issuer's
 * {@code kid} or algorithm name reaches (Keycloak's key ids have 43 characters), cut
 * beyond it. The token's author chooses these values, and a refusal carries them back in
 * its body and in its {@code WWW-Authenticate} header.
 */
final class QuotedHeaderValue {

	static final int MAX_LENGTH = 64;

	private QuotedHeaderValue() {
	}

	static String of(@Nullable Object value) {
		String text = String.valueOf(value);
		return (text.length() <= MAX_LENGTH) ? text : text.substring(0, MAX_LENGTH) + "...";
	}

}
