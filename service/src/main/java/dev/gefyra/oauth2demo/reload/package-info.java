/**
 * The claim mapping being served: bound afresh from the environment after each refresh,
 * validated, swapped atomically, and counted in metrics.
 */
@NullMarked
package dev.gefyra.oauth2demo.reload;

import org.jspecify.annotations.NullMarked;
