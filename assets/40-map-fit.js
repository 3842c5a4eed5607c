// District maps that fit their screen (components/city_map.py marks them).
//
// plotly sizes text in px, set by the server, which does not know the screen. A
// marked figure gives its sizes for a 16 px root font; every time plotly draws it
// (first draw, a refresh's patch, a new figure, a resize) the sizes are scaled here
// by the page's root font, which follows the screen (assets/10-wall.css): the map's
// names, numbers and colour bar grow with the tiles around them. The figure Dash
// holds keeps its own sizes; only what plotly draws is scaled.
//
// After each draw the labels are made to fit: the biggest districts first, a label
// that would overlap one already placed (or the colour bar) moves a little, and if
// it still has no room it is left out and named in a line under the map (the name
// shows on hover as well), with those the server already left out for want of room
// (components/map_labels.py places the labels first, on an estimate of the text).
(function () {
  "use strict";
  var DESIGN = "__citywallDesign";

  function rootPx() {
    return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  }

  function spec(layout) {
    var meta = layout && layout.meta;
    return meta && meta.citywall && meta.citywall.rem ? meta.citywall : null;
  }

  function times(value, k) {
    if (typeof value === "number") {
      return value * k;
    }
    if (Array.isArray(value)) {
      return value.map(function (v) {
        return typeof v === "number" ? v * k : v;
      });
    }
    return value;
  }

  // a copy of `object` with `key` scaled (the original stays as Dash holds it)
  function sized(object, key, k) {
    if (!object || object[key] === undefined) {
      return object;
    }
    var copy = Object.assign({}, object);
    copy[key] = times(object[key], k);
    return copy;
  }

  function withFont(object, k) {
    return object && object.font
      ? Object.assign({}, object, { font: sized(object.font, "size", k) })
      : object;
  }

  function scaledTrace(trace, k) {
    var copy = Object.assign({}, trace);
    copy.textfont = sized(trace.textfont, "size", k);
    if (trace.marker) {
      copy.marker = sized(trace.marker, "size", k);
      copy.marker.line = sized(trace.marker.line, "width", k);
    }
    if (trace.colorbar) {
      var bar = sized(trace.colorbar, "thickness", k);
      bar.tickfont = sized(bar.tickfont, "size", k);
      bar.title = withFont(bar.title, k);
      copy.colorbar = bar;
    }
    return copy;
  }

  function scaled(figure, k) {
    var layout = Object.assign({}, figure.layout);
    layout.font = sized(layout.font, "size", k);
    layout.hoverlabel = withFont(layout.hoverlabel, k);
    return Object.assign({}, figure, {
      data: (figure.data || []).map(function (trace) {
        return scaledTrace(trace, k);
      }),
      layout: layout,
    });
  }

  function box(element) {
    return element.getBoundingClientRect();
  }

  // two boxes closer than `gap` px: labels that touch read as one
  function overlaps(a, b, gap) {
    return a.left < b.right + gap && b.left < a.right + gap &&
      a.top < b.bottom + gap && b.top < a.bottom + gap;
  }

  function inside(a, frame) {
    return a.left >= frame.left && a.right <= frame.right && a.top >= frame.top && a.bottom <= frame.bottom;
  }

  function labelTrace(gd) {
    var groups = gd.querySelectorAll("g.trace.scattergeo");
    for (var i = 0; i < groups.length; i++) {
      var bound = groups[i].__data__;
      var trace = bound && bound[0] && bound[0].trace;
      if (trace && trace.name === "labels") {
        return { group: groups[i], trace: trace };
      }
    }
    return null;
  }

  // where to try a label, nearest first: its place, then shifted by up to a line
  // up or down and two thirds of its width sideways
  function candidates(w, h) {
    var found = [];
    [0, -0.5, 0.5, -1, 1].forEach(function (dy) {
      [0, -1 / 3, 1 / 3, -2 / 3, 2 / 3].forEach(function (dx) {
        found.push([dx * w, dy * h * 0.6]);
      });
    });
    return found.sort(function (a, b) {
      return Math.hypot(a[0], a[1]) - Math.hypot(b[0], b[1]);
    });
  }

  function moveBy(text, x, y, dx, dy) {
    var place = "translate(" + (x + dx) + "," + (y + dy) + ")";
    text.setAttribute("transform", place);
    text.setAttribute("data-moved", place);
  }

  function note(gd, spec, names, k) {
    var layers = gd.querySelectorAll("svg.main-svg");
    var svg = layers[layers.length - 1];
    if (!svg) {
      return;
    }
    var old = svg.querySelector("text.map-unlabelled");
    if (old) {
      old.remove();
    }
    if (!names.length) {
      return;
    }
    var size = 0.75 * k * spec.rem;
    var text = document.createElementNS("http://www.w3.org/2000/svg", "text");
    text.setAttribute("class", "map-unlabelled");
    text.style.fontSize = size + "px";
    text.style.fill = "#a9b6cc";
    svg.appendChild(text);
    // an SVG text never wraps: break the sentence into lines that fit the map's
    // width, at most four; names beyond them end in "…" (each keeps its hover)
    var words = spec.unlabelled.replace("{names}", names.join(", ")).split(" ");
    var width = svg.clientWidth - 4;
    var lines = [];
    var line = document.createElementNS("http://www.w3.org/2000/svg", "tspan");
    text.appendChild(line);
    words.forEach(function (word) {
      var before = line.textContent;
      line.textContent = before ? before + " " + word : word;
      if (before && line.getComputedTextLength() > width) {
        line.textContent = before + " "; // textContent reads the lines as one text
        lines.push(line);
        line = document.createElementNS("http://www.w3.org/2000/svg", "tspan");
        line.textContent = word;
        text.appendChild(line);
      }
    });
    lines.push(line);
    var kept = lines.slice(0, 4);
    lines.slice(4).forEach(function (extra) {
      extra.remove();
    });
    if (lines.length > 4) {
      var last = kept[3];
      last.textContent += " …";
      while (last.getComputedTextLength() > width && last.textContent.length > 2) {
        last.textContent = last.textContent.replace(/\s*\S+ …$/, " …");
      }
    }
    var bottom = svg.clientHeight - 0.4 * k * spec.rem;
    kept.forEach(function (tspan, i) {
      tspan.setAttribute("x", "2");
      tspan.setAttribute("y", String(bottom - (kept.length - 1 - i) * 1.2 * size));
    });
  }

  // Place the labels: the biggest districts first, each where it overlaps nothing.
  function declutter(gd) {
    var fit = spec(gd.layout);
    var labels = fit && labelTrace(gd);
    if (!labels) {
      return;
    }
    var k = rootPx() / fit.rem;
    var gap = 0.15 * k * fit.rem;
    var texts = Array.prototype.slice.call(labels.group.querySelectorAll("text"));
    var shapes = gd.querySelectorAll(".choroplethlocation");
    var frame = box(gd);
    var taken = Array.prototype.map.call(gd.querySelectorAll(".colorbar"), box);
    // plotly draws no element for an empty label (one the server found no room
    // for): the k-th text is the k-th district with a label
    var labelled = [];
    (labels.trace.text || []).forEach(function (words, i) {
      if (words || words === 0) {
        labelled.push(i);
      }
    });
    var order = texts.map(function (text, k) {
      var i = labelled[k] === undefined ? k : labelled[k];
      var shape = shapes[i] && shapes[i].getBBox();
      return { i: i, text: text, area: shape ? shape.width * shape.height : 0 };
    });
    order.sort(function (a, b) {
      return b.area - a.area;
    });
    var left = (fit.dropped || []).slice();
    order.forEach(function (item) {
      var text = item.text;
      text.style.display = "";
      // plotly's own place for the label, unless it is still where we moved it
      var now = text.getAttribute("transform") || "";
      if (now !== text.getAttribute("data-moved")) {
        text.setAttribute("data-home", now);
      }
      var at = /translate\(([-\d.e]+)[ ,]+([-\d.e]+)\)/.exec(text.getAttribute("data-home"));
      var x = at ? parseFloat(at[1]) : 0;
      var y = at ? parseFloat(at[2]) : 0;
      var size = box(text);
      var home = shapes[item.i] ? box(shapes[item.i]) : size;
      var tries = candidates(size.width, size.height);
      for (var j = 0; j < tries.length; j++) {
        moveBy(text, x, y, tries[j][0], tries[j][1]);
        var placed = box(text);
        var cx = (placed.left + placed.right) / 2, cy = (placed.top + placed.bottom) / 2;
        // a moved label stays on its own district (its middle inside the district's box)
        var own = j === 0 || (cx > home.left && cx < home.right && cy > home.top && cy < home.bottom);
        var free = own && inside(placed, frame) && !taken.some(function (other) {
          return overlaps(placed, other, gap);
        });
        if (free) {
          taken.push(placed);
          return;
        }
      }
      moveBy(text, x, y, 0, 0);
      text.style.display = "none";
      var words = String((labels.trace.text && labels.trace.text[item.i]) || "");
      // the name: every line but the value's (a long name takes two)
      left.push(words.split("<br>").slice(0, -1).join(" ") || words);
    });
    note(gd, fit, left, k);
  }

  function watch(gd) {
    if (!gd.__citywallWatched && gd.on) {
      gd.__citywallWatched = true;
      gd.on("plotly_afterplot", function () {
        declutter(gd);
      });
    }
  }

  function wrap(Plotly) {
    if (!Plotly || typeof Plotly.react !== "function" || Plotly.react.__citywall) {
      return;
    }
    var react = Plotly.react;
    Plotly.react = function (gd, figure) {
      if (arguments.length === 2 && figure && spec(figure.layout)) {
        gd[DESIGN] = figure;
        var k = rootPx() / spec(figure.layout).rem;
        return react.call(this, gd, scaled(figure, k)).then(function (done) {
          watch(gd);
          declutter(gd);
          return done;
        });
      }
      return react.apply(this, arguments);
    };
    Plotly.react.__citywall = true;
  }

  // plotly.js arrives after this script (assets/05-plotly-early.js starts it):
  // wrap it the moment it sets window.Plotly
  var current = window.Plotly;
  wrap(current);
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: function () {
      return current;
    },
    set: function (value) {
      current = value;
      wrap(value);
    },
  });

  // a new screen size: draw the marked maps again at the new root font
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
        if (gd[DESIGN] && window.Plotly && window.Plotly.react) {
          window.Plotly.react(gd, gd[DESIGN]);
        }
      });
    }, 150);
  });
})();
