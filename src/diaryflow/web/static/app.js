// Draws the reports' Mermaid charts in the browser: once the page has loaded, and again
// whenever htmx swaps new content in. Loaded as a file: the pages carry no inline script.
(function () {
  "use strict";

  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;

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
    // suppressErrors: one chart that does not parse must not stop the others.
    window.mermaid.run({ nodes: nodes, suppressErrors: true }).catch(function (error) {
      console.error("mermaid:", error);
    });
  }

  if (window.mermaid) {
    window.mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      theme: dark ? "dark" : "default",
      fontFamily: "inherit",
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
