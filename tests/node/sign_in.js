// Signs in with amazon-cognito-identity-js (USER_SRP_AUTH), then refreshes the session
// (REFRESH_TOKEN_AUTH), exactly as a browser app would, against any endpoint.
// Usage: node sign_in.js <endpoint> <userPoolId> <clientId> <username> <password>
// Prints one JSON object: {ok: true, ...tokens} or {ok: false, code, message}.
'use strict';

const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} = require('amazon-cognito-identity-js');

const [endpoint, userPoolId, clientId, username, password] = process.argv.slice(2);
if (!password) {
  console.error('usage: node sign_in.js <endpoint> <userPoolId> <clientId> <username> <password>');
  process.exit(2);
}

const pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });
const user = new CognitoUser({ Username: username, Pool: pool });
const details = new AuthenticationDetails({ Username: username, Password: password });

function report(result) {
  process.stdout.write(JSON.stringify(result) + '\n');
}

function failure(err) {
  report({ ok: false, code: err.code || err.name, message: err.message });
}

user.authenticateUser(details, {
  onSuccess(session) {
    const signedIn = {
      ok: true,
      username: user.getUsername(),
      idToken: session.getIdToken().getJwtToken(),
      accessToken: session.getAccessToken().getJwtToken(),
      refreshToken: session.getRefreshToken().getToken(),
    };
    user.refreshSession(session.getRefreshToken(), (err, refreshed) => {
      if (err) {
        report({ ...signedIn, refreshed: false, refreshError: err.code || err.message });
        return;
      }
      report({ ...signedIn, refreshed: true, refreshedAccessToken: refreshed.getAccessToken().getJwtToken() });
    });
  },
  onFailure: failure,
  newPasswordRequired(userAttributes, requiredAttributes) {
    report({ ok: false, challenge: 'NEW_PASSWORD_REQUIRED', userAttributes, requiredAttributes });
  },
});
