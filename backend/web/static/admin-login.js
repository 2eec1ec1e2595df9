/*
 * On the /admin page: piccolo-admin's own login screen (#/login) is replaced by AidBridge's
 * login form, the only door to the back office (admin/gate.py).
 */
"use strict";

(function () {
  function go() {
    if (location.hash.indexOf("#/login") === 0) {
      location.replace("/login?next=" + encodeURIComponent("/admin/"));
    }
  }
  go();
  window.addEventListener("hashchange", go);
})();
