// amazon-cognito-identity-js beyond sign-in, against a Tessera endpoint, as a browser app uses it.
// Usage: node identity_js.js '<json>' where json = {scenario, endpoint, userPoolId, clientId,
//   username, password, ...}.
// Same protocol as amplify.js: what only the Python test knows (a mailed code, a TOTP code) is
// asked for on stdout as {"ask": name, ...} and read back as one line of stdin; each step's
// outcome is printed as {"step": name, ...}; the run ends with {"done": true} or {"error": ...}.
'use strict';

const readline = require('node:readline');
const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} = require('amazon-cognito-identity-js');

const options = JSON.parse(process.argv[2] || '{}');
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const pool = new CognitoUserPool({
  UserPoolId: options.userPoolId,
  ClientId: options.clientId,
  endpoint: options.endpoint,
});

function emit(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

async function ask(name, details = {}) {
  emit({ ask: name, ...details });
  const { value, done } = await lines.next();
  if (done) throw new Error(`stdin closed while waiting for ${name}`);
  return value.trim();
}

// The library's node-style callbacks as promises; errors keep the wire's code.
function call(fn) {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));
}

function newUser(username) {
  return new CognitoUser({ Username: username, Pool: pool });
}

function tokensOf(session) {
  return {
    idToken: session.getIdToken().getJwtToken(),
    accessToken: session.getAccessToken().getJwtToken(),
    refreshToken: session.getRefreshToken().getToken(),
  };
}

// authenticateUser, resolving with {session} or with the callback a challenge took:
// {challenge: 'totpRequired' | 'mfaSetup' | ..., args} (the caller continues on `user`).
function authenticate(user, password) {
  const details = new AuthenticationDetails({ Username: user.getUsername(), Password: password });
  return new Promise((resolve, reject) => {
    const challenge = (name) => (...args) => resolve({ challenge: name, args });
    user.authenticateUser(details, {
      onSuccess: (session) => resolve({ session }),
      onFailure: reject,
      newPasswordRequired: challenge('newPasswordRequired'),
      mfaRequired: challenge('mfaRequired'),
      totpRequired: challenge('totpRequired'),
      selectMFAType: challenge('selectMFAType'),
      mfaSetup: challenge('mfaSetup'),
    });
  });
}

// signUp → confirmRegistration (mailed code) → authenticateUser → getUserAttributes →
// updateAttributes → changePassword → globalSignOut → authenticateUser with the new password.
async function lifecycle() {
  const { username, password, newPassword } = options;
  const attributes = [
    new CognitoUserAttribute({ Name: 'email', Value: username }),
    new CognitoUserAttribute({ Name: 'name', Value: 'Identity JS' }),
  ];
  const signedUp = await call((cb) => pool.signUp(username, password, attributes, null, cb));
  emit({
    step: 'signUp',
    userSub: signedUp.userSub,
    userConfirmed: signedUp.userConfirmed,
    codeDeliveryDetails: signedUp.codeDeliveryDetails,
  });

  const user = newUser(username);
  const code = await ask('signUpCode', { address: username });
  emit({ step: 'confirmRegistration', result: await call((cb) => user.confirmRegistration(code, true, cb)) });

  const { session } = await authenticate(user, password);
  emit({ step: 'authenticateUser', username: user.getUsername(), ...tokensOf(session) });

  const listed = await call((cb) => user.getUserAttributes(cb));
  emit({
    step: 'getUserAttributes',
    attributes: Object.fromEntries(listed.map((attribute) => [attribute.getName(), attribute.getValue()])),
  });

  const updated = await new Promise((resolve, reject) => {
    user.updateAttributes(
      [new CognitoUserAttribute({ Name: 'name', Value: 'Renamed JS' })],
      (err, result, details) => (err ? reject(err) : resolve({ result, details })),
    );
  });
  emit({ step: 'updateAttributes', ...updated });

  emit({ step: 'changePassword', result: await call((cb) => user.changePassword(password, newPassword, cb)) });

  const signedOut = await new Promise((resolve, reject) => {
    user.globalSignOut({ onSuccess: resolve, onFailure: reject });
  });
  emit({ step: 'globalSignOut', result: signedOut });
  // The tokens this object still holds in memory are refused now.
  try {
    await call((cb) => user.getUserAttributes(cb));
    emit({ step: 'afterSignOut', refused: false });
  } catch (err) {
    emit({ step: 'afterSignOut', refused: true, code: err.code, message: err.message });
  }

  try {
    await authenticate(newUser(username), password);
    emit({ step: 'oldPassword', accepted: true });
  } catch (err) {
    emit({ step: 'oldPassword', accepted: false, code: err.code, message: err.message });
  }
  const again = await authenticate(newUser(username), newPassword);
  emit({ step: 'newPassword', ...tokensOf(again.session) });
}

// In a pool requiring MFA with TOTP on, a user with no factor: authenticateUser → mfaSetup →
// associateSoftwareToken (with the challenge Session) → verifySoftwareToken → signed in; then
// a second authenticateUser → totpRequired → sendMFACode(code, callbacks, 'SOFTWARE_TOKEN_MFA').
async function mfa() {
  const { username, password } = options;
  const user = newUser(username);
  const first = await authenticate(user, password);
  emit({ step: 'authenticateUser', challenge: first.challenge, challengeName: first.args?.[0] ?? null });
  if (first.challenge !== 'mfaSetup') return;

  const secret = await new Promise((resolve, reject) => {
    user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject });
  });
  emit({ step: 'associateSoftwareToken', secret });
  const setUp = await new Promise((resolve, reject) => {
    ask('totpCode', { secret }).then((code) => {
      user.verifySoftwareToken(code, 'Identity JS phone', { onSuccess: resolve, onFailure: reject });
    }, reject);
  });
  emit({ step: 'verifySoftwareToken', ...tokensOf(setUp) });

  const again = newUser(username);
  const second = await authenticate(again, password);
  emit({ step: 'authenticateAgain', challenge: second.challenge, challengeName: second.args?.[0] ?? null });
  if (second.challenge !== 'totpRequired') return;
  const code = await ask('totpCode', { secret });
  const signedIn = await new Promise((resolve, reject) => {
    again.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, 'SOFTWARE_TOKEN_MFA');
  });
  emit({ step: 'sendMFACode', ...tokensOf(signedIn) });
}

const scenarios = { lifecycle, mfa };

async function main() {
  const scenario = scenarios[options.scenario];
  if (!scenario) {
    console.error(`usage: node identity_js.js '{"scenario": "${Object.keys(scenarios).join('|')}", ...}'`);
    process.exit(2);
  }
  try {
    await scenario();
    emit({ done: true });
  } catch (err) {
    emit({ error: { name: err.code || err.name, message: err.message } });
  }
  process.exit(0);
}

main();
