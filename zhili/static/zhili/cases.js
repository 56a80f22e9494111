// Cases: the phone report form (location, map pick, duplicate suggestions, a draft that survives a dropped
// connection, retries), the case map, and patrol check-ins. No request leaves the server: Leaflet is vendored and
// a tile layer is added only when the deployment configures one (ZHILI_MAP_TILE_URL).
(function () {
  "use strict";

  var COLORS = { red: "#dc2626", yellow: "#d97706", green: "#16a34a", "": "#64748b" };

  // Leaflet sets a string tooltip or popup as HTML: names typed by people are given to it as text, never as a string
  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span;
  }

  function areaStyle(feature) {
    var grid = feature.properties && feature.properties.level === 5;
    return { color: grid ? "#94a3b8" : "#1e3a8a", weight: grid ? 1 : 2, fillOpacity: grid ? 0.02 : 0.05 };
  }

  function makeMap(el) {
    if (!window.L) { return null; }
    var map = window.L.map(el, { attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) {
      window.L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    map.setView([36.9, 117.0], 12);
    return map;
  }

  function loadAreas(map, url, done) {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) { return; }
      var layer = window.L.geoJSON(data.areas, {
        style: areaStyle,
        onEachFeature: function (f, l) { if (f.properties.level === 4) { l.bindTooltip(textNode(f.properties.name)); } }
      }).addTo(map);
      if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
      if (done) { done(data); }
    }).catch(function () { /* the map is an aid; the form works without it */ });
  }

  // ---- the case map ------------------------------------------------------------------------
  var caseMap = document.querySelector("[data-case-map]");
  if (caseMap) {
    var map = makeMap(caseMap);
    if (map) {
      loadAreas(map, caseMap.dataset.src, function (data) {
        window.L.geoJSON(data.cases, {
          pointToLayer: function (f, latlng) {
            return window.L.circleMarker(latlng, {
              radius: f.properties.hotspot ? 9 : 6, color: "#fff", weight: 1,
              fillColor: COLORS[f.properties.light || ""], fillOpacity: 0.9
            });
          },
          onEachFeature: function (f, l) {
            var p = f.properties, a = document.createElement("a");
            a.href = p.url;
            a.textContent = p.number + " " + p.category + "（" + p.state + "）";
            l.bindPopup(a);
          }
        }).addTo(map);
      });
    }
  }

  // ---- the report form ----------------------------------------------------------------------
  var form = document.querySelector("[data-report-form]");
  if (!form) { return; }
  var lng = form.querySelector("input[name=lng]"), lat = form.querySelector("input[name=lat]");
  var status = form.querySelector("[data-location-status]");
  var retryStatus = form.querySelector("[data-retry-status]");
  var ref = form.querySelector("input[name=client_ref]");
  var key = form.dataset.draftKey;
  var marker = null, pickMap = null;

  if (ref && !ref.value) {
    ref.value = (window.crypto && window.crypto.randomUUID) ? window.crypto.randomUUID() : String(Date.now()) + Math.random();
  }

  function setPoint(x, y, how) {
    lng.value = x.toFixed(6);
    lat.value = y.toFixed(6);
    if (status) { status.textContent = how + "：" + lng.value + ", " + lat.value; }
    if (pickMap) {
      if (marker) { marker.setLatLng([y, x]); } else { marker = window.L.marker([y, x]).addTo(pickMap); }
    }
    saveDraft();
    checkDuplicates();
  }

  var pickEl = form.querySelector("[data-pick-map]");
  if (pickEl) {
    pickMap = makeMap(pickEl);
    if (pickMap) {
      loadAreas(pickMap, pickEl.dataset.areas + "?only=areas");
      pickMap.on("click", function (e) { setPoint(e.latlng.lng, e.latlng.lat, "地图点选"); });
    }
  }

  var locateButton = form.querySelector("[data-locate]");
  function locate() {
    if (!navigator.geolocation) { if (status) { status.textContent = "此设备不支持定位，请在地图上点选。"; } return; }
    if (status) { status.textContent = "正在定位……"; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.longitude, pos.coords.latitude, "手机定位");
      if (pickMap) { pickMap.setView([pos.coords.latitude, pos.coords.longitude], 17); }
    }, function () {
      if (status) { status.textContent = "无法获取定位（请允许定位权限），可在地图上点选。"; }
    }, { enableHighAccuracy: true, timeout: 15000 });
  }
  if (locateButton) { locateButton.addEventListener("click", locate); }
  // A phone that already allowed this site its location is located at once: one tap fewer for an inspector.
  // (Asking without a tap would prompt on opening the page, so a prompt still waits for the button.)
  if (navigator.permissions && navigator.permissions.query && !lng.value) {
    navigator.permissions.query({ name: "geolocation" }).then(function (p) {
      if (p.state === "granted" && !lng.value) { locate(); }
    }).catch(function () { /* the button still works */ });
  }

  // Duplicates: same category nearby, shown with their photos side by side.
  var dupBox = form.querySelector("[data-duplicates]"), dupList = form.querySelector("[data-duplicates-list]");
  function checkDuplicates() {
    var cat = form.querySelector("[name=category]");
    if (!form.dataset.duplicatesUrl || !dupBox || !cat || !cat.value || !lng.value) { return; }
    var url = form.dataset.duplicatesUrl + "?category=" + encodeURIComponent(cat.value) +
      "&lng=" + encodeURIComponent(lng.value) + "&lat=" + encodeURIComponent(lat.value);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      dupList.textContent = "";
      data.cases.forEach(function (c) {
        var div = document.createElement("div"), a = document.createElement("a");
        a.href = c.url;
        a.textContent = c.number + " · " + c.distance_m + " 米 · " + c.state;
        div.appendChild(a);
        div.appendChild(document.createElement("br"));
        div.appendChild(document.createTextNode(c.reported_at + " " + c.description));
        c.photos.forEach(function (src) { var img = document.createElement("img"); img.src = src; img.alt = ""; div.appendChild(img); });
        dupList.appendChild(div);
      });
      dupBox.hidden = data.cases.length === 0;
    }).catch(function () {});
  }
  var catSelect = form.querySelector("[name=category]");
  if (catSelect) { catSelect.addEventListener("change", checkDuplicates); }

  // The draft: every text field is kept in this browser until the report has been accepted.
  var FIELDS = ["category", "description", "address", "lng", "lat", "client_ref", "contact_name", "contact_phone"];
  function saveDraft() {
    if (!key || !window.localStorage) { return; }
    var draft = {};
    FIELDS.forEach(function (n) { var el = form.elements[n]; if (el) { draft[n] = el.value; } });
    try { window.localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full: ignore */ }
  }
  function restoreDraft() {
    if (!key || !window.localStorage) { return; }
    var draft;
    try { draft = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { draft = null; }
    if (!draft) { return; }
    FIELDS.forEach(function (n) { var el = form.elements[n]; if (el && !el.value && draft[n]) { el.value = draft[n]; } });
    if (lng.value && status) { status.textContent = "已恢复草稿中的位置：" + lng.value + ", " + lat.value; }
  }
  restoreDraft();
  form.addEventListener("input", saveDraft);

  // Submitting: through fetch, so that a dropped connection keeps the page (and the photos chosen) and retries.
  var attempts = 0;
  function submit() {
    attempts += 1;
    if (retryStatus) { retryStatus.textContent = attempts > 1 ? "正在第 " + attempts + " 次尝试提交……" : "正在提交……"; }
    fetch(form.action || window.location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected) {
          if (key && window.localStorage) { window.localStorage.removeItem(key); }
          window.location.assign(response.url);
          return null;
        }
        return response.text().then(function (html) {
          document.open();
          document.write(html);
          document.close();
        });
      })
      .catch(function () {
        var wait = Math.min(5 * attempts, 30);
        if (retryStatus) { retryStatus.textContent = "网络中断：内容已保存在本机，" + wait + " 秒后自动重试。"; }
        window.setTimeout(submit, wait * 1000);
      });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    event.stopImmediatePropagation();
    saveDraft();
    attempts = 0;
    submit();
  }, true);
})();

// Patrol check-ins and office-duty sign-ins (坐班签到): the phone's position goes into the form before it is sent.
// A form with a [data-location-status] line says there what is happening instead of an alert; without a position
// the server answers with its own sentence.
(function () {
  "use strict";
  var form = document.querySelector("[data-checkin]");
  if (!form || !navigator.geolocation) { return; }
  var status = form.querySelector("[data-location-status]");
  form.addEventListener("submit", function (event) {
    if (form.elements.lng.value) { return; }
    event.preventDefault();
    if (status) { status.textContent = "正在定位……"; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.lng.value = pos.coords.longitude.toFixed(6);
      form.elements.lat.value = pos.coords.latitude.toFixed(6);
      form.submit();
    }, function () {
      if (status) { status.textContent = "无法获取定位，请允许定位权限后重试。"; }
      else { window.alert("无法获取定位，请允许定位权限后重试。"); }
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
