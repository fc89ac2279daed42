// The ticket page's keyboard shortcuts: a progressive enhancement. Every shortcut follows a link
// the page already has (the composer's tabs, previous and next request), so without this script
// nothing is lost. Served from our own origin: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var help = document.getElementById("shortcuts");
  if (!help) {
    return;
  }

  function typing(target) {
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function toggleHelp(show) {
    help.hidden = !show;
    if (show) {
      help.querySelector("[data-close]").focus();
    }
  }

  help.querySelector("[data-close]").addEventListener("click", function () {
    toggleHelp(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (event.key === "Escape" && !help.hidden) {
      toggleHelp(false);
      return;
    }
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp(help.hidden);
      return;
    }
    var link = null;
    if (event.key === "j") {
      link = document.querySelector('a[rel="next"]');
    } else if (event.key === "k") {
      link = document.querySelector('a[rel="prev"]');
    } else if (/^[a-z]$/.test(event.key)) {
      link = document.querySelector('#composer a[data-shortcut="' + event.key + '"]');
    }
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });
})();
