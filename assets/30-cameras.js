// Renews the camera frames on the page every few seconds. A frame is asked for
// again only once the previous one has arrived, and not while the page is hidden,
// so a slow camera never piles requests up on a wall that runs for days.
(function () {
  function renew() {
    if (document.hidden) return;
    document.querySelectorAll('img.camera-frame').forEach(function (img) {
      if (!img.complete) return;  // still loading the last one
      const base = img.getAttribute('src').split('?')[0];
      img.setAttribute('src', base + '?t=' + Date.now());
    });
  }
  window.setInterval(renew, 5000);
})();
