/**
 * What the management port tells an operator about the claim mapping:
 * {@code /actuator/claims}.
 */
@NullMarked
package dev.gefyra.oauth2demo.actuator;

import org.jspecify.annotations.NullMarked;
