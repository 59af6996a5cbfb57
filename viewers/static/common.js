/* Wijkatlas: what every map page's scripts share. */
var wa = {
  /* Text made safe for HTML content and attribute values. */
  esc: function (text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  },
  /* A number in Dutch notation with at most `digits` decimals ("–" for none). */
  nl: function (value, digits) {
    if (value === null || value === undefined) return "–";
    var d = digits || 0;  // one formatter per precision: making one per number is most of a big map's start
    wa._formats[d] = wa._formats[d] || new Intl.NumberFormat("nl-NL", {maximumFractionDigits: d});
    return wa._formats[d].format(Number(value));
  },
  _formats: {},
  /* Whether the screen is a phone's (≤ 600 px): panels start folded, the title is a bar. */
  phone: function () { return window.matchMedia("(max-width: 600px)").matches; }
};
