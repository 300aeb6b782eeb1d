// htm bound to Preact: tagged templates instead of JSX, so the console needs no JSX build step.
import { h } from "preact";
import htm from "htm";

/** Preact elements from a tagged template. */
export const html = htm.bind(h);
