package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user's clone of the repository the cluster serves (remote {@code cluster}), changed
 * as a user changes it: the claim mapping in the ConfigMap, a line of code, a ship, a
 * push. Every command's output goes to a log beside the clone.
 */
final class GitopsClone {

	private static final String REMOTE = "cluster";

	private static final Path CONFIGMAP = Path.of("gitops/oauth2-demo/base/configmap.yaml");

	private static final Path HANDLER = Path.of("service/src/main/java/dev/gefyra/oauth2demo/web/ClaimsHandler.java");

	private static final Pattern GREETING = Pattern.compile("Map\\.of\\(\"Hello\", \"[^\"]*\"\\)");

	private final Path dir;

	private final Path log;

	private final String start;

	GitopsClone(Path dir) {
		this.dir = dir;
		this.log = dir.resolveSibling("commands.log");
		this.start = git("rev-parse", "HEAD").trim();
	}

	/**
	 * Commits the ConfigMap's mapping as these fields (response field to claim path, in
	 * order), the rest of the file as it is.
	 */
	void commitMapping(Map<String, String> fields, String message) throws IOException {
		Path file = this.dir.resolve(CONFIGMAP);
		String yaml = Files.readString(file);
		int from = yaml.indexOf("      mapping:\n");
		if (from < 0) {
			throw new IllegalStateException(CONFIGMAP + " no longer has claims.mapping: " + yaml);
		}
		// The mapping's entries are the lines indented deeper than its key.
		int to = from + "      mapping:\n".length();
		while (to < yaml.length() && yaml.startsWith("        ", to)) {
			int end = yaml.indexOf('\n', to);
			to = (end < 0) ? yaml.length() : end + 1;
		}
		StringBuilder mapping = new StringBuilder("      mapping:\n");
		fields.forEach((field, claim) -> mapping.append("        - field: ")
			.append(LocalStack.json.writeValueAsString(field))
			.append("\n          claim: ")
			.append(LocalStack.json.writeValueAsString(claim))
			.append('\n'));
		Files.writeString(file, yaml.substring(0, from) + mapping + yaml.substring(to));
		git("commit", "--quiet", "-m", message, "--", CONFIGMAP.toString());
	}

	/**
	 * Commits the ConfigMap's {@code claims.access} as these rules (YAML list entries,
	 * indented under {@code access:}); none removes the key.
	 */
	void commitAccessRules(String rules, String message) throws IOException {
		Path file = this.dir.resolve(CONFIGMAP);
		String yaml = Files.readString(file);
		int from = yaml.indexOf("      access:\n");
		if (from >= 0) {
			int to = from + "      access:\n".length();
			while (to < yaml.length() && yaml.startsWith("        ", to)) {
				int end = yaml.indexOf('\n', to);
				to = (end < 0) ? yaml.length() : end + 1;
			}
			yaml = yaml.substring(0, from) + yaml.substring(to);
		}
		if (!rules.isBlank()) {
			// application.yaml is the file's last key: its claims end where the file
			// does.
			yaml = yaml + "      access:\n" + rules;
		}
		Files.writeString(file, yaml);
		git("commit", "--quiet", "-m", message, "--", CONFIGMAP.toString());
	}

	/**
	 * Commits a new greeting for {@code GET /}: a visible change of the service's code.
	 */
	void commitGreeting(String greeting) throws IOException {
		Path file = this.dir.resolve(HANDLER);
		String code = Files.readString(file);
		Matcher matcher = GREETING.matcher(code);
		if (!matcher.find()) {
			throw new IllegalStateException(HANDLER + " no longer holds " + GREETING.pattern());
		}
		String changed = matcher.replaceFirst(Matcher.quoteReplacement("Map.of(\"Hello\", \"" + greeting + "\")"));
		Files.writeString(file, changed);
		git("commit", "--quiet", "-m", "Greet with \"" + greeting + "\"", "--", HANDLER.toString());
	}

	/** {@code git push cluster HEAD:main}: Argo CD is asked to look at git right away. */
	void push() {
		git("push", "--quiet", REMOTE, "HEAD:main");
	}

	/**
	 * As a hurried user pushes past the pre-push hook ({@code scripts/git-hooks}), so the
	 * cluster's own refusal is what is tested.
	 */
	void pushSkippingHooks() {
		git("push", "--quiet", "--no-verify", REMOTE, "HEAD:main");
	}

	/**
	 * {@code scripts/ship}: builds the image with Jib, commits its tag, pushes. With
	 * {@code JOURNEY_SHIP_OPTIONS=--no-aot-cache} in the environment, ships without the
	 * AOT cache (to measure the new Pods without it).
	 */
	void ship() {
		List<String> command = new ArrayList<>(List.of(this.dir.resolve("scripts/ship").toString()));
		command.addAll(shipOptions());
		succeeded(run(command, 20));
	}

	static List<String> shipOptions() {
		String options = System.getenv().getOrDefault("JOURNEY_SHIP_OPTIONS", "").strip();
		return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
	}

	/** The last commit that changed the service's code, as ship names its image. */
	String codeCommit() {
		return git("log", "-1", "--format=%h", "--abbrev=12", "--", "service", "pom.xml", ".mvn", "mvnw").trim();
	}

	/**
	 * Commits and pushes the tree the journey started from, so the cluster runs what it
	 * ran before; history keeps every step.
	 */
	void pushStartingTree() {
		git("checkout", this.start, "--", "gitops", "service");
		if (run(gitCommand("diff", "--cached", "--quiet"), 1).exitStatus() != 0) {
			git("commit", "--quiet", "-m", "Back to where the journey started");
		}
		push();
	}

	private String git(String... arguments) {
		return succeeded(run(gitCommand(arguments), 2));
	}

	private List<String> gitCommand(String... arguments) {
		List<String> command = new ArrayList<>(List.of("git", "-C", this.dir.toString()));
		command.addAll(List.of(arguments));
		return command;
	}

	private static String succeeded(Outcome outcome) {
		if (outcome.exitStatus() != 0) {
			String text = outcome.output();
			throw new IllegalStateException(outcome.command() + " failed with exit status " + outcome.exitStatus()
					+ ": " + text.substring(Math.max(0, text.length() - 2000)));
		}
		return outcome.output();
	}

	private Outcome run(List<String> command, int minutes) {
		Path output = this.log.resolveSibling("last-command.out");
		try {
			Process process = new ProcessBuilder(command).directory(this.dir.toFile())
				.redirectErrorStream(true)
				.redirectOutput(output.toFile())
				.start();
			if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
				process.destroyForcibly();
				throw new IllegalStateException(
						command + " took more than " + minutes + " min (log: " + this.log + ")");
			}
			String text = Files.readString(output);
			Files.writeString(this.log, "$ " + String.join(" ", command) + "\n" + text, StandardCharsets.UTF_8,
					StandardOpenOption.CREATE, StandardOpenOption.APPEND);
			return new Outcome(command, process.exitValue(), text);
		}
		catch (IOException ex) {
			throw new IllegalStateException(command + " could not run", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private record Outcome(List<String> command, int exitStatus, String output) {

	}

}
