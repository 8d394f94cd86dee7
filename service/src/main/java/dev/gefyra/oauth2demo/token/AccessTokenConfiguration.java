package dev.gefyra.oauth2demo.token;

import java.time.Clock;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * Wires what {@link AccessTokenReader} checks a token with: the decoder for the
 * configured {@link TokenVerification}, the verifier that turns its failures into
 * verdicts, and the cache of tokens that passed.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TokenProperties.class)
class AccessTokenConfiguration {

	@Bean
	ReactiveJwtDecoder accessTokenDecoder(TokenProperties properties,
			@Value("${server.address:0.0.0.0}") String serverAddress) {
		return switch (properties.verification()) {
			case JWKS -> AccessTokenDecoders.verifyingDecoder(properties);
			case NONE -> AccessTokenDecoders.decodeOnlyDecoder(serverAddress);
		};
	}

	@Bean
	AccessTokenVerifier accessTokenVerifier(ReactiveJwtDecoder accessTokenDecoder) {
		return new AccessTokenVerifier(accessTokenDecoder);
	}

	@Bean
	VerifiedTokenCache verifiedTokenCache(TokenProperties properties, AccessTokenVerifier accessTokenVerifier) {
		return new VerifiedTokenCache(properties.cacheSize(), properties.cacheMemory().toBytes(), properties.cacheTtl(),
				Clock.systemUTC(), accessTokenVerifier::verify);
	}

}
