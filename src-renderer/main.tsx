import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { pickClient, tokenFromHash } from './api/client';
import { Root } from './features/shell/App';
import './styles/app.css';

const el = document.getElementById('root');
if (!el) throw new Error('#root is missing from index.html');
const client = pickClient();
// A link pasted into a tab that shows "no session" only changes the hash: start over with it.
if (!client) window.addEventListener('hashchange', () => tokenFromHash(window.location.hash) && window.location.reload());
createRoot(el).render(
  <StrictMode>
    <Root client={client} />
  </StrictMode>,
);
