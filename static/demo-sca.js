// Demo SCA page: hashes the chosen file in the browser (WebCrypto) so that
// only its SHA-256 leaves it; the form works without this script (text).
'use strict';
(function () {
  var file = document.getElementById('file');
  var hash = document.getElementById('hash');
  var label = document.getElementById('label');
  if (!file || !hash || !window.crypto || !window.crypto.subtle) {
    return;
  }
  file.addEventListener('change', function () {
    var f = file.files && file.files[0];
    hash.value = '';
    if (!f) {
      return;
    }
    if (label && !label.value) {
      label.value = f.name.slice(0, 128);
    }
    f.arrayBuffer().then(function (buf) {
      return window.crypto.subtle.digest('SHA-256', buf);
    }).then(function (d) {
      var s = '';
      new Uint8Array(d).forEach(function (b) { s += String.fromCharCode(b); });
      hash.value = window.btoa(s);
    });
  });
}());
