package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The journey's figures, written as {@code key=value} lines after every record, so that
 * {@code scripts/test/cluster-journey} reports what was reached even when a later step
 * fails.
 */
final class JourneyResults {

	private final Path file;

	private final Map<String, String> values = new LinkedHashMap<>();

	JourneyResults(Path file) {
		this.file = file;
	}

	void put(String key, String value) {
		this.values.put(key, value);
		StringBuilder lines = new StringBuilder();
		this.values.forEach((name, recorded) -> lines.append(name).append('=').append(recorded).append('\n'));
		try {
			Files.createDirectories(this.file.getParent());
			Files.writeString(this.file, lines, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	void putSeconds(String key, double seconds) {
		put(key, String.format(Locale.ROOT, "%.1f", seconds));
	}

}
