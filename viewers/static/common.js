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
    return value === null || value === undefined ? "–" :
      Number(value).toLocaleString("nl-NL", {maximumFractionDigits: digits || 0});
  },
  /* Whether the screen is a phone's (≤ 600 px): panels start folded, the title is a bar. */
  phone: function () { return window.matchMedia("(max-width: 600px)").matches; }
};
