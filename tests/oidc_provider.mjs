// panva's oidc-provider as a test peer for OpenID Connect sign-in (tests/oidc_support.py).
//
// Headless: the login interaction is finished here, without a form, as the test set it up
// with POST /_test/next (the subject, its claims and the acr to sign in with). PKCE is
// required, acr values are ID-porten's, clients register dynamically (POST /reg), and the
// signing key is the test's own (KEYS), so a test can ask for the next ID token to be
// altered (POST /_test/next with "tamper") and signed again with the provider's key, or
// replaced by any text ("tokenBody"); POST /_test/raw serves any text at a path (a broken
// discovery document or key set).
//
// Environment: OIDC_MODULES (node_modules with oidc-provider), PORT, KEYS (a private JWKS).
import { pathToFileURL } from "node:url";

const modules = process.env.OIDC_MODULES;
const load = (path) => import(pathToFileURL(`${modules}/${path}`).href);
const { default: Provider } = await load("oidc-provider/lib/index.js");
const jose = await load("jose/dist/webapi/index.js");

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const keys = JSON.parse(process.env.KEYS);
const accounts = new Map(); // sub -> claims
let next = null; // how the next login ends: { sub, claims, acr }
let tamper = null; // what to change in the next ID token the token endpoint gives out
let tokenBody = null; // or what the token endpoint answers instead (raw text, as JSON)
const raw = new Map(); // path -> text served as application/json (POST /_test/raw)

const provider = new Provider(issuer, {
  jwks: keys,
  cookies: { keys: ["innostudy-test-cookie-key"] },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html lang="nb"><head><title>Logg ut</title></head>
<body><main><h1>Logg ut hos testtjenesten</h1>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Ja, logg meg ut</button>
</main></body></html>`;
      },
    },
  },
  pkce: { required: () => true },
  acrValues: ["idporten-loa-substantial", "idporten-loa-high"],
  scopes: ["openid", "profile", "email"],
  claims: {
    openid: ["sub"],
    profile: ["name", "given_name", "family_name", "pid", "tid", "oid", "kommune", "groups"],
    email: ["email", "email_verified"],
  },
  // Claims of the granted scopes in the ID token itself, as ID-porten puts pid there.
  conformIdTokenClaims: false,
  responseTypes: ["code"],
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, ...(accounts.get(sub) || {}) }),
  }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;

async function body(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString() || "{}");
}

async function alter(idToken) {
  const [header] = idToken.split(".");
  const protectedHeader = JSON.parse(Buffer.from(header, "base64url").toString());
  const payload = jose.decodeJwt(idToken);
  const { otherKey, ...claims } = tamper; // otherKey: signed with a key the provider never published
  Object.assign(payload, claims);
  for (const [name, value] of Object.entries(claims)) if (value === null) delete payload[name];
  const jwk = keys.keys.find((k) => k.kid === protectedHeader.kid) || keys.keys[0];
  const key = otherKey
    ? (await jose.generateKeyPair(protectedHeader.alg)).privateKey
    : await jose.importJWK(jwk, protectedHeader.alg);
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(protectedHeader)
    .sign(key);
}

provider.use(async (ctx, nextMiddleware) => {
  if (ctx.path === "/_test/next" && ctx.method === "POST") {
    const wanted = await body(ctx);
    next = { sub: wanted.sub, claims: wanted.claims || {}, acr: wanted.acr };
    tamper = wanted.tamper || null;
    tokenBody = typeof wanted.tokenBody === "string" ? wanted.tokenBody : null;
    accounts.set(wanted.sub, wanted.claims || {});
    ctx.status = 204;
    return;
  }
  if (ctx.path === "/_test/raw" && ctx.method === "POST") {
    const wanted = await body(ctx);
    raw.set(wanted.path, wanted.body);
    ctx.status = 204;
    return;
  }
  if (raw.has(ctx.path)) {
    ctx.type = "application/json";
    ctx.body = raw.get(ctx.path);
    return;
  }
  if (ctx.path.startsWith("/interaction/")) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (next === null) {
      ctx.status = 400;
      ctx.body = "no login set up with POST /_test/next";
      return;
    }
    const grant = new provider.Grant({ accountId: next.sub, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    const login = { accountId: next.sub };
    if (next.acr) login.acr = next.acr;
    const result = { login, consent: { grantId } };
    const to = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: false,
    });
    ctx.status = 303;
    ctx.redirect(to);
    return;
  }
  await nextMiddleware();
  if (ctx.path === "/token" && tokenBody !== null) {
    ctx.type = "application/json";
    ctx.body = tokenBody;
    tokenBody = null;
    return;
  }
  if (ctx.path === "/token" && tamper && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: await alter(ctx.body.id_token) };
    tamper = null;
  }
});

provider.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${issuer}\n`);
});
