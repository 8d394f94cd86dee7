package dev.gefyra.oauth2demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Entry point of the claim service: answers with claims of the forwarded access token,
 * picked by a mapping that is reloaded from a ConfigMap while the service runs.
 */
@SpringBootApplication
public class ClaimServiceApplication {

	public static void main(String[] args) {
		SpringApplication.run(ClaimServiceApplication.class, args);
	}

}
