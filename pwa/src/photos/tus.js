// tus-js-client, loaded when an upload starts (never on a supervisor's screens); the service worker precaches it
// with the shell (pwa/build: offlineLazy), so an app opened offline uploads as soon as the network is back.
// app.jsx is imported (it is loaded already) only so that esbuild keeps its helpers in the app's chunk rather than
// in a chunk of their own that the officials' route would load too.
import '../app.jsx';

export { Upload } from 'tus-js-client';
