// Renders the Gatehouse Sign-In Widget with the options the server put in #widget-config.
// The options are data (JSON.parse), never script text: nothing in them can run.

(function start() {
  const element = document.getElementById('widget-config');
  const options = JSON.parse(element.textContent);
  const widget = new window.SignInWidget(Object.assign({ el: '#sign-in-widget' }, options));
  // "Remediation mode": the widget signs the user in, then sends the browser to
  // /login/callback?interaction_code=…&state=…, where the server redeems the code.
  widget.showSignInAndRedirect().catch((error) => {
    const message = document.createElement('p');
    message.className = 'notice';
    message.textContent = `The sign-in form could not start: ${error?.message ? error.message : error}`;
    document.getElementById('sign-in-widget').appendChild(message);
  });
})();
