// Renders the Gatehouse Sign-In Widget with the options the server put in #widget-config, and keeps
// the page's heading on what the widget shows. The options are data (JSON.parse), never script
// text: nothing in them can run.

(function start() {
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const options = read('widget-config');
  const headings = read('page-headings');
  const pageHeading = document.getElementById('page-heading');

  // The widget's views that say which journey the user is on; the views in between (choose an
  // authenticator, check your email, second factors) keep the journey's heading.
  const JOURNEY_OF_VIEW = {
    identify: 'default',
    'identify-recovery': 'resetPassword',
    'reset-authenticator': 'resetPassword',
    'enroll-profile': 'signup',
    'select-authenticator-unlock-account': 'unlockAccount',
  };
  // How a flow ended in this tab, by the message the widget's end page shows.
  const END_OF_MESSAGE = {
    'idx.transferred.to.new.tab': 'transferred',
    'idx.session.expired': 'expired',
    'oie.selfservice.unlock_user.success.message': 'unlocked',
  };
  // A page opened from an email's link (otp in the options) does not know which journey it
  // continues until the widget shows a view that names one: until then it stays "Almost there".
  let journey = options.otp ? 'resumed' : options.flow;

  function headingFor(context) {
    journey = JOURNEY_OF_VIEW[context.controller] ?? journey;
    if (context.controller === 'success') return headings.success;
    if (context.controller === 'terminal') {
      const end = (context.messageKeys ?? []).map((key) => END_OF_MESSAGE[key]).find(Boolean);
      if (end) return headings[end];
    }
    return headings[journey];
  }

  const widget = new window.SignInWidget(Object.assign({ el: '#sign-in-widget' }, options));
  widget.on('afterRender', (context) => {
    const heading = headingFor(context);
    pageHeading.textContent = heading;
    document.title = `${heading} · Express sample`;
  });
  // "Remediation mode": the widget signs the user in, then sends the browser to
  // /login/callback?interaction_code=…&state=…, where the server redeems the code.
  widget.showSignInAndRedirect().catch((error) => {
    const message = document.createElement('p');
    message.className = 'notice';
    message.textContent = `The sign-in form could not start: ${error?.message ? error.message : error}`;
    document.getElementById('sign-in-widget').appendChild(message);
  });
})();
