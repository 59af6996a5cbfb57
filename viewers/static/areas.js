/* Wijkatlas: the areas of a map restyled by indicator, peiljaar, classes, comparison group, signals and area.
 *
 * wijkatlasAreas(map, layers, data, options): layers are the wijk and buurt GeoJSON layers (properties: code);
 * data is the page's JSON block (see viewers/gebiedsprofiel.py: area_data); options hold the styles and labels.
 * Only published figures are in data: a hidden figure is its reason, never a value.
 */
function wijkatlasAreas(map, layers, data, options) {
  "use strict";
  var meta = data.indicators, byId = {}, position = {};
  meta.forEach(function (m) { byId[m.id] = m; });
  Object.keys(data.levels).forEach(function (lv) {
    position[lv] = {};
    data.levels[lv].codes.forEach(function (code, i) { position[lv][code] = i; });
  });
  var state = {indicator: meta.length ? meta[0].id : null, level: "wijk", year: data.latest, scheme: options.scheme,
               compare: "gemeente", signals: false, focus: null};
  var profileWord = {wijk: "wijkprofiel", buurt: "buurtprofiel"};

  var esc = wa.esc;
  function fmt(v) { return wa.nl(v, 1); }
  function nameOf(lv, code) { return data.levels[lv].names[position[lv][code]]; }
  var drawn = {};  // the areas with an outline on this page (a gemeente's page also holds its similar areas elsewhere)
  Object.keys(layers).forEach(function (lv) { drawn[lv] = {}; });
  function each(fn) {
    Object.keys(layers).forEach(function (lv) { layers[lv].eachLayer(function (f) { fn(lv, f, f.feature.properties.code); }); });
  }

  if (!meta.length) {  // no indicator was computed: the areas with their names only
    each(function (lv, f, code) {
      f.bindTooltip("<b>" + esc(nameOf(lv, code)) + "</b> (" + esc(code) + ")<br><i>geen indicatoren berekend</i>", {sticky: true});
    });
    return;
  }

  /* The published figure of indicator m for an area in a year: {value}, {hidden: reason} or {none: reason}. */
  function cell(m, lv, code, year) {
    var y = String(year), i = position[lv][code], reason = hiddenReasons(m, lv, y)[i];
    if (reason !== undefined) return {hidden: reason};
    var values = ((data.values[m.id] || {})[lv] || {})[y];
    if (!values) return {none: "geen gegevens voor peiljaar " + y};
    var v = values[i];
    return v === null || v === undefined ? {none: "geen gegevens"} : {value: v};
  }
  /* The reason per hidden area's position of indicator m, level lv, peiljaar y (data.hidden lists the positions
   * per reason); made once per choice. */
  var reasonsAt = {};
  function hiddenReasons(m, lv, y) {
    var key = m.id + "|" + lv + "|" + y;
    if (!reasonsAt[key]) {
      var byReason = ((data.hidden[m.id] || {})[lv] || {})[y] || {}, at = reasonsAt[key] = {};
      Object.keys(byReason).forEach(function (r) { byReason[r].forEach(function (i) { at[i] = data.reasons[r]; }); });
    }
    return reasonsAt[key];
  }
  /* The published figure of the gemeente or regio an area lies in (null when hidden or missing). */
  function above(m, lv, code, year) {
    var g = ((((data.values[m.id] || {})[lv] || {})[String(year)]) || {})[code];
    return g === undefined ? null : g;
  }
  /* The unweighted mean of the published figures of an area's similar areas. */
  function similarMean(m, lv, code, year) {
    var peers = (data.similar[lv] || {})[code] || [], sum = 0, n = 0;
    peers.forEach(function (c) { var x = cell(m, lv, c, year); if (x.value !== undefined) { sum += x.value; n += 1; } });
    return {mean: n ? sum / n : null, n: n, of: peers.length};
  }
  function isSimilarToFocus(lv, code) {
    var f = state.focus;
    return state.compare === "vergelijkbaar" && f !== null && f.level === lv &&
      ((data.similar[lv] || {})[f.code] || []).indexOf(code) >= 0;
  }

  function style(m, lv, code) {
    var c = m.classes[state.scheme][lv], x = cell(m, lv, code, state.year), s;
    if (x.hidden !== undefined) s = Object.assign({weight: 1.5, opacity: 1}, options.secret);
    else if (x.value === undefined || !c || !c.bins.length) s = Object.assign({weight: 1, opacity: 1}, options.missing);
    else {
      var i = 0; while (i < c.bins.length - 1 && x.value > c.bins[i]) i += 1;
      s = {fillColor: c.colours[i], fillOpacity: 0.8, color: "#333", weight: 1, opacity: 1, dashArray: ""};
    }
    if (state.signals && (data.signals[lv] || {})[code]) s = Object.assign(s, options.signalOutline);
    if (isSimilarToFocus(lv, code)) s = Object.assign(s, options.similarOutline);
    return s;
  }
  function valueText(m, x) {
    if (x.hidden !== undefined) return "<i>" + esc(x.hidden) + "</i>";
    if (x.value === undefined) return "<i>" + esc(x.none) + "</i>";
    return "<b>" + fmt(x.value) + "</b> " + esc(m.unit);
  }
  function comparison(m, lv, code, x) {
    var t = "";
    if (state.compare === "gemeente" || state.compare === "regio") {
      var gm = "GM" + code.substr(2, 4), regio = state.compare === "regio";
      var g = above(m, state.compare, regio ? data.regio.code : gm, state.year);
      var label = regio ? "regio " + data.regio.name : (data.regio ? "gemeente " + (data.gemeenten[gm] || gm) : "gemeente");
      if (g === null) return "";
      t = "<br>" + esc(label) + ": " + fmt(g) + " " + esc(m.unit);
      if (x.value !== undefined && g && m.indexed) t += "<br>index (" + (regio ? "regio" : "gemeente") + " = 100): " + fmt(100 * x.value / g);
      return t;
    }
    var s = similarMean(m, lv, code, state.year);
    if (!s.of) return "<br><i>geen vergelijkbare gebieden bepaald</i>";
    if (s.mean === null) return "<br>vergelijkbare gebieden: <i>geen gepubliceerde cijfers</i>";
    t = '<br><span class="wa-similar">vergelijkbare gebieden (' + s.n + " van " + s.of + "): gemiddeld " + fmt(s.mean) +
      " " + esc(m.unit) + "</span>";
    if (x.value !== undefined && s.mean && m.indexed) t += "<br>index (vergelijkbare gebieden = 100): " + fmt(100 * x.value / s.mean);
    return t;
  }
  function series(m, lv, code) {
    if (m.years.length < 2) return "";
    return '<br><span class="wa-series">verloop: ' + m.years.map(function (y) {
      var x = cell(m, lv, code, y);
      return y + ": " + (x.value !== undefined ? fmt(x.value) : (x.hidden !== undefined ? "geheim" : "–"));
    }).join(" · ") + "</span>";
  }
  function signalsText(lv, code) {
    var list = (data.signals[lv] || {})[code];
    if (!list) return "";
    var t = '<div class="wa-signals"><b>Signalen (peiljaar ' + esc(data.signal_year) + ")</b><ul style=\"margin:2px 0;padding-left:16px\">";
    list.forEach(function (s) {
      t += "<li><b>" + esc(s.soort) + "</b> · " + esc(s.thema) + ": " + esc(s.toelichting) +
        "<details><summary>regel</summary>" + esc(data.rules[s.soort] || "") + "</details></li>";
    });
    return t + "</ul></div>";
  }
  function popup(m, lv, code) {
    var x = cell(m, lv, code, state.year);
    var t = "<b>" + esc(nameOf(lv, code)) + "</b> (" + esc(code) + ")<br>" + esc(m.title) + ", " + esc(state.year) + ": " +
      valueText(m, x);
    if (x.value !== undefined) t += comparison(m, lv, code, x);
    t += series(m, lv, code) + signalsText(lv, code);
    if (options.profileLinks) t += '<br><a class="wa-profile-link" href="profiel-' + esc(code) + '.html">' + profileWord[lv] + "</a>";
    return t;
  }
  function tooltip(m, lv, code) {
    var t = "<b>" + esc(nameOf(lv, code)) + "</b> (" + esc(code) + ")<br>" + esc(m.title) + ": " +
      valueText(m, cell(m, lv, code, state.year));
    if ((data.signals[lv] || {})[code]) t += '<br><span style="color:#a63603">' + data.signals[lv][code].length + " signaal/signalen</span>";
    return t;
  }

  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var box = L.DomUtil.create("details", "wa-legend wa-indicator-legend wa-box");
    box.open = !wa.phone();
    box.innerHTML = "<summary>Legenda</summary><div></div>";
    this._div = box.lastChild;
    return box;
  };
  legend.addTo(map);
  function swatch(fill, border) {
    return '<span style="display:inline-block;width:14px;height:14px;margin-right:6px;vertical-align:middle;background:' +
      fill + ";border:" + border + '"></span>';
  }
  function showLegend() {
    var m = byId[state.indicator], c = m.classes[state.scheme][state.level] || {bins: [], colours: []}, lower = null, rows = "";
    c.bins.forEach(function (b, i) {
      rows += '<div class="wa-legend-row">' + swatch(c.colours[i], "1px solid #333") + (lower === null ? "t/m " : fmt(lower) + " – ") + fmt(b) + "</div>";
      lower = b;
    });
    rows += '<div class="wa-legend-row">' + swatch(options.secret.fillColor, "1px dashed " + options.secret.color) + esc(options.secretLabel) + "</div>";
    rows += '<div class="wa-legend-row">' + swatch(options.missing.fillColor, "1px solid " + options.missing.color) + esc(options.missingLabel) + "</div>";
    if (state.signals) rows += '<div class="wa-legend-row">' + swatch("#fff", "3px solid " + options.signalOutline.color) + "signaal (peiljaar " + esc(data.signal_year) + ")</div>";
    if (state.compare === "vergelijkbaar") rows += '<div class="wa-legend-row">' + swatch("#fff", "2px dashed " + options.similarOutline.color) + "vergelijkbaar met het gekozen gebied</div>";
    legend._div.innerHTML = '<div class="wa-legend-title" style="font-weight:bold">' + esc(m.title) + " (" + esc(m.unit) + "), " + esc(state.year) + "</div>" +
      '<div class="wa-legend-scheme" style="color:#444">klassen: ' + esc(state.scheme) + " (over alle peiljaren)</div>" + rows;
  }

  function restyle() {
    var m = byId[state.indicator];
    each(function (lv, f, code) { f.setStyle(style(m, lv, code)); });
  }
  function apply() {
    map.closePopup();  // an open popup would go on showing the previous choice
    restyle();
    showLegend();
    document.querySelectorAll(".wa-frame .wa-peiljaar").forEach(function (el) { el.textContent = state.year; });
  }
  /* Tooltip and popup are written when shown, of what is chosen then (not for every area at every choice). */
  each(function (lv, f, code) {
    drawn[lv][code] = true;
    f.bindTooltip(function () { return tooltip(byId[state.indicator], lv, code); }, {sticky: true});
    f.bindPopup(function () { return popup(byId[state.indicator], lv, code); }, {maxWidth: 340});
    f.on("click", function () { state.focus = {level: lv, code: code}; restyle(); });
  });
  map.on("popupclose", function () { if (state.focus) { state.focus = null; restyle(); } });

  /* The CSV of what the map shows: the chosen indicator, level and peiljaar, hidden figures as their reason. */
  function csv() {
    var m = byId[state.indicator], lv = state.level, rows = [["gebiedscode", "gebiedsnaam", "indicator", "eenheid", "peiljaar", "waarde", "toelichting"]];
    data.levels[lv].codes.forEach(function (code) {
      if (!drawn[lv][code]) return;
      var x = cell(m, lv, code, state.year);
      rows.push([code, nameOf(lv, code), m.title, m.unit, state.year, x.value !== undefined ? String(x.value).replace(".", ",") : "",
                 x.hidden !== undefined ? x.hidden : (x.none || "")]);
    });
    return "\ufeff" + rows.map(function (r) {
      return r.map(function (v) { v = String(v); return /[;"\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }).join(";");
    }).join("\r\n") + "\r\n";
  }

  var control = L.control({position: "topright"});
  control.onAdd = function () {
    var div = L.DomUtil.create("details", "wa-selector wa-box");
    div.open = !wa.phone();
    var themes = {}, html = "<summary>Kaartinstellingen</summary>" +
      '<label>Indicator<br><select id="wa-indicator" style="max-width:260px">';
    meta.forEach(function (m) { (themes[m.theme] = themes[m.theme] || []).push(m); });
    Object.keys(themes).forEach(function (t) {
      html += '<optgroup label="' + esc(t) + '">';
      themes[t].forEach(function (m) { html += '<option value="' + esc(m.id) + '">' + esc(m.title) + "</option>"; });
      html += "</optgroup>";
    });
    html += '</select></label><br><label>Peiljaar<br><select id="wa-peiljaar"></select></label>' +
      '<br><label>Klassen<br><select id="wa-scheme">';
    options.schemes.forEach(function (s) { html += "<option" + (s === state.scheme ? " selected" : "") + ">" + esc(s) + "</option>"; });
    html += '</select></label><br><label>Vergelijk met<br><select id="wa-compare"><option value="gemeente">de gemeente</option>' +
      (data.regio ? '<option value="regio">de regio</option>' : "") +
      '<option value="vergelijkbaar">vergelijkbare gebieden</option></select></label>' +
      '<br><label><input type="checkbox" id="wa-signals"> Signalering tonen</label>' +
      '<br><label>Ga naar gebied<br><select id="wa-area" style="max-width:260px"></select></label>' +
      '<br><a id="wa-download" href="#" download="kaart.csv">Download wat de kaart toont (CSV)</a>';
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
    function on(id, fn) { div.querySelector(id).addEventListener("change", function (e) { fn(e.target); apply(); }); }
    on("#wa-indicator", function (el) { state.indicator = el.value; fillYears(); });
    on("#wa-peiljaar", function (el) { state.year = Number(el.value); });
    on("#wa-scheme", function (el) { state.scheme = el.value; });
    on("#wa-compare", function (el) { state.compare = el.value; });
    on("#wa-signals", function (el) { state.signals = el.checked; });
    div.querySelector("#wa-area").addEventListener("change", function (e) { goTo(e.target.value); });
    div.querySelector("#wa-download").addEventListener("click", function (e) {
      var m = byId[state.indicator];
      e.target.download = m.id + "_" + state.level + "_" + state.year + ".csv";
      e.target.href = URL.createObjectURL(new Blob([csv()], {type: "text/csv;charset=utf-8"}));
    });
    return div;
  };
  control.addTo(map);

  /* The peiljaren of the chosen indicator; a year it lacks becomes its latest. */
  function fillYears() {
    var m = byId[state.indicator], select = document.getElementById("wa-peiljaar");
    if (m.years.indexOf(state.year) < 0) state.year = m.years[m.years.length - 1];
    select.innerHTML = m.years.map(function (y) { return "<option" + (y === state.year ? " selected" : "") + ">" + y + "</option>"; }).join("");
  }
  function fillAreas() {
    var lv = state.level, names = data.levels[lv].names;
    var order = data.levels[lv].codes.map(function (c, i) { return i; }).filter(function (i) {
      return drawn[lv][data.levels[lv].codes[i]];
    }).sort(function (a, b) { return names[a].localeCompare(names[b], "nl"); });
    document.getElementById("wa-area").innerHTML = '<option value="">— kies een ' + lv + " —</option>" + order.map(function (i) {
      return '<option value="' + esc(data.levels[lv].codes[i]) + '">' + esc(names[i]) + "</option>";
    }).join("");
  }
  function goTo(code) {
    layers[state.level].eachLayer(function (f) {
      if (f.feature.properties.code !== code) return;
      if (!map.getBounds().contains(f.getBounds())) map.fitBounds(f.getBounds(), {animate: false, padding: [40, 40]});
      state.focus = {level: state.level, code: code}; restyle();
      f.openPopup(f.getBounds().getCenter());
    });
  }
  map.on("baselayerchange", function (e) {
    state.level = e.name === options.labels.buurt ? "buurt" : "wijk";
    state.focus = null; fillAreas(); restyle(); showLegend();
  });
  fillYears(); fillAreas(); apply();
}
