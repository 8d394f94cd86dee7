/**
 * Functional WebFlux routes, their handler and problem+json error responses.
 */
@NullMarked
package dev.gefyra.oauth2demo.web;

import org.jspecify.annotations.NullMarked;
