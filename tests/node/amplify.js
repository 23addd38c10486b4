// Runs AWS Amplify JavaScript v6 (aws-amplify/auth) in Node against a Tessera endpoint, the
// way a web app configured with userPoolEndpoint / identityPoolEndpoint would.
// Usage: node amplify.js '<json>' where json = {scenario, endpoint, userPoolId, clientId,
//   identityPoolId?, username, password, ...}.
// Anything only the Python test knows (a code from the mail it reads, a TOTP code from the
// secret printed here) is asked for on stdout as {"ask": name, ...} and read back as one
// line of stdin. Every step's outcome is printed as {"step": name, ...}; the run ends with
// {"done": true} or {"error": {name, message}}.
'use strict';

const readline = require('node:readline');
const { Amplify } = require('aws-amplify');
const { sharedInMemoryStorage } = require('aws-amplify/utils');
const { cognitoUserPoolsTokenProvider } = require('aws-amplify/auth/cognito');
const auth = require('aws-amplify/auth');

const options = JSON.parse(process.argv[2] || '{}');
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function emit(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

async function ask(name, details = {}) {
  emit({ ask: name, ...details });
  const { value, done } = await lines.next();
  if (done) throw new Error(`stdin closed while waiting for ${name}`);
  return value.trim();
}

function configure() {
  const cognito = {
    userPoolId: options.userPoolId,
    userPoolClientId: options.clientId,
    // Amplify posts every user-pool call to this URL instead of cognito-idp.<region>.amazonaws.com.
    userPoolEndpoint: options.endpoint,
  };
  if (options.identityPoolId) {
    cognito.identityPoolId = options.identityPoolId;
    cognito.identityPoolEndpoint = options.endpoint;
    cognito.allowGuestAccess = Boolean(options.allowGuestAccess);
  }
  Amplify.configure({ Auth: { Cognito: cognito } });
  cognitoUserPoolsTokenProvider.setKeyValueStorage(sharedInMemoryStorage);
}

async function session(step, forceRefresh = false) {
  const fetched = await auth.fetchAuthSession({ forceRefresh });
  const credentials = fetched.credentials;
  emit({
    step,
    idToken: fetched.tokens?.idToken?.toString() ?? null,
    accessToken: fetched.tokens?.accessToken?.toString() ?? null,
    identityId: fetched.identityId ?? null,
    credentials: credentials
      ? {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken,
          expiration: credentials.expiration ? credentials.expiration.toISOString() : null,
        }
      : null,
  });
  return fetched;
}

// signUp → confirmSignUp → signIn (USER_SRP_AUTH) → fetchAuthSession (tokens, and identity-pool
// credentials when configured) → getCurrentUser / fetchUserAttributes → updateUserAttributes
// (+ confirmUserAttribute for the changed email) → updatePassword → a forced refresh →
// signOut({global: true}), after which the old access token is refused.
async function lifecycle() {
  const { username, password, newPassword, newEmail } = options;
  const signedUp = await auth.signUp({
    username,
    password,
    options: { userAttributes: { email: username, name: 'Amplify User' } },
  });
  emit({ step: 'signUp', isSignUpComplete: signedUp.isSignUpComplete, userId: signedUp.userId,
    nextStep: signedUp.nextStep });

  const code = await ask('signUpCode', { address: username });
  const confirmed = await auth.confirmSignUp({ username, confirmationCode: code });
  emit({ step: 'confirmSignUp', isSignUpComplete: confirmed.isSignUpComplete,
    nextStep: confirmed.nextStep.signUpStep });

  const signedIn = await auth.signIn({ username, password });
  emit({ step: 'signIn', isSignedIn: signedIn.isSignedIn, nextStep: signedIn.nextStep.signInStep });
  const first = await session('fetchAuthSession');

  const current = await auth.getCurrentUser();
  emit({ step: 'getCurrentUser', username: current.username, userId: current.userId,
    signInDetails: current.signInDetails });
  emit({ step: 'fetchUserAttributes', attributes: await auth.fetchUserAttributes() });

  const updated = await auth.updateUserAttributes({
    userAttributes: { name: 'Renamed User', email: newEmail },
  });
  emit({
    step: 'updateUserAttributes',
    outputs: Object.fromEntries(
      Object.entries(updated).map(([key, value]) => [key, {
        isUpdated: value.isUpdated,
        updateAttributeStep: value.nextStep.updateAttributeStep,
        deliveryMedium: value.nextStep.codeDeliveryDetails?.deliveryMedium ?? null,
      }]),
    ),
  });
  const emailCode = await ask('attributeCode', { address: newEmail });
  await auth.confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: emailCode });
  emit({ step: 'confirmUserAttribute', attributes: await auth.fetchUserAttributes() });

  await auth.updatePassword({ oldPassword: password, newPassword });
  emit({ step: 'updatePassword' });

  await session('refreshedSession', true);

  await auth.signOut({ global: true });
  emit({ step: 'signOut' });
  let afterSignOut;
  try {
    afterSignOut = await auth.fetchAuthSession();
  } catch (err) {
    afterSignOut = { error: err.name };
  }
  emit({ step: 'sessionAfterSignOut', hasTokens: Boolean(afterSignOut.tokens),
    oldAccessToken: first.tokens.accessToken.toString() });
}

// A confirmed user enrols an authenticator app while signed in (setUpTOTP → verifyTOTPSetup →
// updateMFAPreference), signs out, and signs in again: CONFIRM_SIGN_IN_WITH_TOTP_CODE →
// confirmSignIn. A wrong code first is refused, and the same pending sign-in (its Session)
// takes the right code afterwards, as Amplify UI's retry does.
async function totp() {
  const { username, password } = options;
  const signedIn = await auth.signIn({ username, password });
  emit({ step: 'signIn', isSignedIn: signedIn.isSignedIn, nextStep: signedIn.nextStep.signInStep });

  const setup = await auth.setUpTOTP();
  const uri = setup.getSetupUri('Tessera', username).toString();
  emit({ step: 'setUpTOTP', sharedSecret: setup.sharedSecret, uri });
  const enrolCode = await ask('totpCode', { secret: setup.sharedSecret });
  await auth.verifyTOTPSetup({ code: enrolCode, options: { friendlyDeviceName: 'Amplify' } });
  await auth.updateMFAPreference({ totp: 'PREFERRED' });
  emit({ step: 'mfaPreference', preference: await auth.fetchMFAPreference() });
  await auth.signOut();

  const challenged = await auth.signIn({ username, password });
  emit({ step: 'signInAgain', isSignedIn: challenged.isSignedIn,
    nextStep: challenged.nextStep.signInStep });
  try {
    await auth.confirmSignIn({ challengeResponse: await ask('wrongTotpCode') });
    emit({ step: 'wrongCode', accepted: true });
  } catch (err) {
    emit({ step: 'wrongCode', accepted: false, name: err.name, message: err.message });
  }
  const confirmed = await auth.confirmSignIn({
    challengeResponse: await ask('totpCode', { secret: setup.sharedSecret }),
  });
  emit({ step: 'confirmSignIn', isSignedIn: confirmed.isSignedIn,
    nextStep: confirmed.nextStep.signInStep });
  await session('fetchAuthSession');
}

// In a pool where MFA is required and only TOTP is on, a user with no factor meets MFA_SETUP
// during sign-in: CONTINUE_SIGN_IN_WITH_TOTP_SETUP (Amplify calls AssociateSoftwareToken with
// the challenge Session) → confirmSignIn with a code (VerifySoftwareToken with the Session, then
// RespondToAuthChallenge MFA_SETUP).
async function totpSetupDuringSignIn() {
  const { username, password } = options;
  const signedIn = await auth.signIn({ username, password });
  const step = signedIn.nextStep;
  emit({ step: 'signIn', isSignedIn: signedIn.isSignedIn, nextStep: step.signInStep,
    sharedSecret: step.totpSetupDetails?.sharedSecret ?? null });
  if (step.signInStep !== 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP') return;
  const code = await ask('totpCode', { secret: step.totpSetupDetails.sharedSecret });
  const confirmed = await auth.confirmSignIn({ challengeResponse: code });
  emit({ step: 'confirmSignIn', isSignedIn: confirmed.isSignedIn,
    nextStep: confirmed.nextStep.signInStep });
  await session('fetchAuthSession');
}

// resetPassword → confirmResetPassword with the mailed code → signIn with the new password.
async function reset() {
  const { username, newPassword } = options;
  const started = await auth.resetPassword({ username });
  emit({
    step: 'resetPassword',
    isPasswordReset: started.isPasswordReset,
    nextStep: started.nextStep.resetPasswordStep,
    deliveryMedium: started.nextStep.codeDeliveryDetails?.deliveryMedium ?? null,
    destination: started.nextStep.codeDeliveryDetails?.destination ?? null,
  });
  const code = await ask('resetCode', { address: username });
  await auth.confirmResetPassword({ username, confirmationCode: code, newPassword });
  emit({ step: 'confirmResetPassword' });
  const signedIn = await auth.signIn({ username, password: newPassword });
  emit({ step: 'signIn', isSignedIn: signedIn.isSignedIn, nextStep: signedIn.nextStep.signInStep });
  await session('fetchAuthSession');
}

// The calls listed in options.calls, in order: [{call: 'signIn', input: {...}, as?: name}].
// A value {"$ask": name, ...} anywhere in an input is asked for first. Each call's output (or
// its error's name and message) is printed as the step named `as` (default: the call's name);
// later calls run even after an error, as an app's next screen would.
async function calls() {
  const resolve = async (value) => {
    if (Array.isArray(value)) return Promise.all(value.map(resolve));
    if (value && typeof value === 'object') {
      if (value.$ask) return ask(value.$ask, value);
      const entries = [];
      for (const [key, item] of Object.entries(value)) entries.push([key, await resolve(item)]);
      return Object.fromEntries(entries);
    }
    return value;
  };
  for (const { call, input, as } of options.calls) {
    const step = as || call;
    try {
      const output = await auth[call](await resolve(input));
      emit({ step, output: JSON.parse(JSON.stringify(output ?? null, (key, value) => (
        value instanceof URL ? value.toString() : value))) });
    } catch (err) {
      emit({ step, error: { name: err.name, message: err.message } });
    }
  }
}

const scenarios = { lifecycle, totp, totpSetupDuringSignIn, reset, calls };

async function main() {
  const scenario = scenarios[options.scenario];
  if (!scenario) {
    console.error(`usage: node amplify.js '{"scenario": "${Object.keys(scenarios).join('|')}", ...}'`);
    process.exit(2);
  }
  configure();
  try {
    await scenario();
    emit({ done: true });
  } catch (err) {
    emit({ error: { name: err.name, message: err.message } });
  }
  process.exit(0);
}

main();
