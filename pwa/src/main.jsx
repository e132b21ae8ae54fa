// The officials' app: start-up.
import { render } from 'preact';
import './style.css';
import { App } from './app.jsx';
import { load, schedule, watchConnectivity, listenToWorker, session } from './state.js';
import { registerWorker } from './update.js';

listenToWorker();
load().then(() => {
  const root = document.getElementById('app');
  root.textContent = ''; // the "loading" text of index.html
  render(<App />, root);
  performance.mark('chibo-ready'); // the first screen is on the page (pwa/tests/device-scale.mjs reads it)
  watchConnectivity();
  registerWorker();
  if (session.value) schedule(0);
});
