"""WCAG 2.1 AA contrast of every piece of text on a page, measured in the browser.

For each element that holds text of its own, the script takes the computed text
colour and the first opaque background behind it (walking up the ancestors) and
returns those under 4.5:1 (3:1 for large text: 24 px, or 18.66 px bold).

What counts as text a person reads:
- an element's own text nodes, faded by the opacity of it and its ancestors (a
  dimmed number is still read);
- the value typed in a field, or its placeholder while it is empty;
- SVG ``<text>`` outside plotly's figures (by its ``fill``), and a figure's hover
  label on its own box; the rest of a figure's text (map labels on their fills,
  chart labels) is checked by the figures' own tests against the colours they
  draw on.

Not measured, as WCAG 1.4.3 allows: disabled controls (an inactive component's
label), and text that is hidden (``display: none``, ``visibility: hidden``, fully
transparent, or of no size).
"""

CONTRAST_FAILURES = r"""
const parse = (c) => {
  const m = (c || '').match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
};
const lum = ({r, g, b}) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const over = (top, under) => ({
  r: top.r * top.a + under.r * (1 - top.a),
  g: top.g * top.a + under.g * (1 - top.a),
  b: top.b * top.a + under.b * (1 - top.a), a: 1});
// the background behind an element, and the opacity of the layers above it
const behind = (el) => {
  const layers = [];
  let opacity = 1;
  for (let e = el; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    const bg = e instanceof SVGElement && e.tagName !== 'svg'
      ? null : parse(style.backgroundColor);
    if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
    opacity *= parseFloat(style.opacity);
  }
  let result = {r: 255, g: 255, b: 255, a: 1};
  for (const layer of layers.reverse()) result = over(layer, result);
  return {bg: result, opacity};
};
const hidden = (el, style) => {
  const box = el.getBoundingClientRect();
  return style.visibility === 'hidden' || style.display === 'none'
    || box.width === 0 || box.height === 0 || parseFloat(style.opacity) === 0;
};
const disabled = (el) => el.closest(':disabled, [aria-disabled="true"]') !== null;
const failures = [];
const check = (el, colour, text) => {
  const style = getComputedStyle(el);
  if (hidden(el, style) || disabled(el)) return;
  const {bg, opacity} = behind(el);
  const ink = parse(colour);
  if (!ink || opacity === 0) return;
  const fg = over({...ink, a: ink.a * opacity}, bg);
  const hi = Math.max(lum(fg), lum(bg)), lo = Math.min(lum(fg), lum(bg));
  const ratio = (hi + 0.05) / (lo + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  if (ratio < (large ? 3 : 4.5)) {
    failures.push({text: text.trim().slice(0, 40),
                   cls: typeof el.className === 'string' ? el.className : el.getAttribute('class'),
                   color: colour, ratio: Math.round(ratio * 100) / 100});
  }
};
// a figure's hover label: its text on the label's own box
const hoverLabel = (el) => {
  const box = el.closest('.hoverlayer g')?.querySelector(':scope > path');
  const fill = box && parse(getComputedStyle(box).fill);
  if (!fill || fill.a === 0) return;
  const style = getComputedStyle(el);
  const fg = over(parse(style.fill), fill);
  const hi = Math.max(lum(fg), lum(fill)), lo = Math.min(lum(fg), lum(fill));
  const ratio = (hi + 0.05) / (lo + 0.05);
  if (ratio < (parseFloat(style.fontSize) >= 24 ? 3 : 4.5)) {
    failures.push({text: el.textContent.trim().slice(0, 40), cls: 'hover label',
                   color: style.fill, ratio: Math.round(ratio * 100) / 100});
  }
};
for (const el of document.querySelectorAll('.hoverlayer text')) {
  if (el.textContent.trim()) hoverLabel(el);
}
for (const el of document.querySelectorAll('body *')) {
  if (el.closest('.js-plotly-plot, script, style, noscript, template')) continue;
  if (el instanceof SVGElement) {
    if (el.tagName === 'text' && el.textContent.trim()) {
      check(el, getComputedStyle(el).fill, el.textContent);
    }
    continue;
  }
  if (el.matches('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, select')) {
    const value = el.tagName === 'SELECT' ? el.selectedOptions[0]?.text : el.value;
    if (value) check(el, getComputedStyle(el).color, value);
    else if (el.placeholder) check(el, getComputedStyle(el, '::placeholder').color, el.placeholder);
    continue;
  }
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (own) check(el, getComputedStyle(el).color, el.textContent);
}
return failures;
"""
