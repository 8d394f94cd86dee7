package dev.gefyra.oauth2demo.token;

/**
 * Start-up refused: {@code token.verification=none} trusts any token, so the service must
 * not be reachable from anywhere but its own host (or Pod).
 */
public class InsecureVerificationModeException extends RuntimeException {

	private final String address;

	public InsecureVerificationModeException(String address) {
		super("token.verification=none accepts unsigned and forged tokens, so it is allowed only when "
				+ "server.address is a loopback address; server.address is '" + address + "'");
		this.address = address;
	}

	public String getAddress() {
		return this.address;
	}

}
