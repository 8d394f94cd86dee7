package dev.gefyra.oauth2demo.e2e;

import java.text.ParseException;
import java.util.Date;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

/**
 * Tokens an attacker could make: the same claims as a real one, signed with a key of
 * their own under the real key's id, or not signed at all.
 */
final class ForgedTokens {

	private ForgedTokens() {
	}

	static String resignedWithAnotherKey(String realToken, String email) {
		try {
			SignedJWT real = SignedJWT.parse(realToken);
			RSAKey attackerKey = new RSAKeyGenerator(2048).keyID(real.getHeader().getKeyID()).generate();
			JWTClaimsSet claims = new JWTClaimsSet.Builder(real.getJWTClaimsSet()).claim("email", email).build();
			SignedJWT forged = new SignedJWT(
					new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(attackerKey.getKeyID()).build(), claims);
			forged.sign(new RSASSASigner(attackerKey));
			return forged.serialize();
		}
		catch (ParseException | JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static String unsignedFor(String email) {
		return new PlainJWT(new JWTClaimsSet.Builder().issuer(LocalStack.ISSUER)
			.audience("oauth2-demo")
			.claim("email", email)
			.expirationTime(new Date(System.currentTimeMillis() + 300_000))
			.build()).serialize();
	}

}
