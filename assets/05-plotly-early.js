// plotly.js started with the page, not when its first graph mounts.
//
// dcc.Graph loads plotly.js only once the page's layout has come back from the
// server and a graph is drawn: on a cold server that is seconds after navigation,
// and only then does the browser fetch and compile 3 MB of script before the map
// appears. Started here, the script downloads and compiles (off the main thread:
// an async script) while the layout is on its way. dcc.Graph takes `window.Plotly`
// when it is there; until the script has run, `window.Plotly` is a promise-like
// stand-in that dcc waits on (it does `Promise.resolve(window.Plotly || load())`),
// so plotly.js is never loaded twice. The script replaces the stand-in with the real
// Plotly when it runs. Tiles embedded alone draw no graph: they skip this.
(function () {
  "use strict";
  if (window.Plotly || /\/embed\/tile\//.test(window.location.pathname)) {
    return;
  }
  var config = document.getElementById("_dash-config");
  var prefix = "/";
  try {
    prefix = JSON.parse(config.textContent).requests_pathname_prefix || "/";
  } catch (e) {
    return; // not a Dash page: nothing to draw
  }
  var loaded = new Promise(function (resolve, reject) {
    var script = document.createElement("script");
    script.src = prefix + "_dash-component-suites/plotly/package_data/plotly.min.js";
    script.async = true;
    script.onload = function () {
      resolve(window.Plotly);
    };
    script.onerror = function (error) {
      window.Plotly = undefined; // a graph mounted later loads it itself
      reject(error);
    };
    document.head.appendChild(script);
  });
  window.Plotly = {
    then: function (done, failed) {
      return loaded.then(done, failed);
    },
  };
})();
