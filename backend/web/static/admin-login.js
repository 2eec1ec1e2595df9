/*
 * On the /admin page: piccolo-admin's own login screen (#/login) is replaced by AidBridge's
 * login form, the only door to the back office (admin/gate.py). Only that route: a table
 * whose name starts with "login" (#/login_attempt/) is a table like any other.
 */
"use strict";

(function () {
  function isPiccoloLogin(hash) {
    return /^#\/login\/?(\?.*)?$/.test(hash);
  }
  function go() {
    if (isPiccoloLogin(location.hash)) {
      location.replace("/login?next=" + encodeURIComponent("/admin/"));
    }
  }
  go();
  window.addEventListener("hashchange", go);
})();
