package dev.gefyra.oauth2demo.token;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 digest of a token's bytes, as the verified-token cache's key: 32 bytes
 * whatever the token's size, and no copy of the token itself kept in memory.
 *
 * @param w0 bytes 0 to 7 of the digest
 * @param w1 bytes 8 to 15
 * @param w2 bytes 16 to 23
 * @param w3 bytes 24 to 31
 */
record TokenDigest(long w0, long w1, long w2, long w3) {

	static TokenDigest of(String token) {
		try {
			ByteBuffer digest = ByteBuffer
				.wrap(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
			return new TokenDigest(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
		}
		catch (NoSuchAlgorithmException ex) {
			// Every Java platform must provide SHA-256.
			throw new IllegalStateException(ex);
		}
	}

}
