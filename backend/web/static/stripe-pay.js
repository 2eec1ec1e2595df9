/*
 * The Stripe Payment Element of a pending donation (donations/pay.html). The card details go
 * straight to Stripe; the donation is recorded only when Stripe's signed webhook confirms it.
 * A file of its own, not inline, so the Content-Security-Policy needs no 'unsafe-inline'.
 */
"use strict";

(function () {
  var form = document.getElementById("payment-form");
  var message = document.getElementById("payment-message");
  var button = document.getElementById("payment-submit");
  var stripe = Stripe(form.dataset.publishableKey);
  var elements = stripe.elements({clientSecret: form.dataset.clientSecret, locale: "zh"});
  elements.create("payment").mount("#payment-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    message.hidden = true;
    stripe.confirmPayment({elements: elements, confirmParams: {return_url: form.dataset.returnUrl}})
      .then(function (result) {
        if (result && result.error) {
          message.textContent = result.error.message || "支付未完成，请重试";
          message.hidden = false;
          button.disabled = false;
        }
      });
  });
})();
