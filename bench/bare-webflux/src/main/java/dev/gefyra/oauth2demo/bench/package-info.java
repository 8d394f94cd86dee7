/**
 * A bare WebFlux application that sets the ceiling of the benchmarks.
 */
@NullMarked
package dev.gefyra.oauth2demo.bench;

import org.jspecify.annotations.NullMarked;
