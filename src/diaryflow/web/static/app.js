// Draws the reports' Mermaid charts in the browser: once the page has loaded, and again
// whenever htmx swaps new content in. Loaded as a file: the pages carry no inline script.
(function () {
  "use strict";

  // Mermaid's own palettes draw bars and slices in near-white: one clear palette instead.
  var PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
                 "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  var ready = false;

  function setup() {
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    var colours = dark
      ? { background: "#161b22", primaryColor: "#1f2a3a", primaryTextColor: "#e6edf3",
          primaryBorderColor: "#4493f8", lineColor: "#8d96a0", textColor: "#e6edf3" }
      : { background: "#ffffff", primaryColor: "#e8f0fe", primaryTextColor: "#1f2328",
          primaryBorderColor: "#0b63c5", lineColor: "#57606a", textColor: "#1f2328" };
    var variables = Object.assign({
      darkMode: dark,
      fontFamily: window.getComputedStyle(document.body).fontFamily,
      pieStrokeColor: colours.background,
      pieOuterStrokeColor: colours.lineColor,
      pieSectionTextColor: "#ffffff",
      pieTitleTextColor: colours.textColor,
      pieLegendTextColor: colours.textColor,
      xyChart: { plotColorPalette: PALETTE.join(", ") },
    }, colours);
    PALETTE.forEach(function (colour, index) {
      variables["pie" + (index + 1)] = colour;
    });
    window.mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      theme: "base",
      themeVariables: variables,
    });
    ready = true;
  }

  function draw(root) {
    if (!window.mermaid || !root || !root.querySelectorAll) {
      return;
    }
    var nodes = Array.prototype.slice.call(
      root.querySelectorAll("pre.mermaid:not([data-processed])")
    );
    if (root.matches && root.matches("pre.mermaid:not([data-processed])")) {
      nodes.push(root);
    }
    if (nodes.length === 0) {
      return;
    }
    if (!ready) {
      setup();
    }
    // suppressErrors: one chart that does not parse must not stop the others.
    window.mermaid.run({ nodes: nodes, suppressErrors: true }).catch(function (error) {
      console.error("mermaid:", error);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      draw(document);
    });
  } else {
    draw(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    draw(event.target);
  });
})();
