// url-parse for tus-js-client, which uses it only to resolve an upload's Location against the endpoint
// (new URL(link, origin).toString()): the browser's URL does that. Aliased in pwa/build, so the bundle carries no
// CommonJS module (and no esbuild CommonJS helpers in the chunk the officials' route shares).
export default function URLParse(link, origin) {
  return new URL(link, new URL(origin, location.href));
}
