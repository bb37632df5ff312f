import { LabIcon } from '@jupyterlab/ui-components';

const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
<path class="jp-icon3" fill="#616161" d="M4 4h16v3H4zM4 10.5h11v3H4zM4 17h6v3H4z"/>
<circle class="jp-icon-accent0" fill="#616161" cx="18.5" cy="18.5" r="2.5"/></svg>`;

export const flyteIcon = new LabIcon({ name: 'flyte-nb-panel:icon', svgstr: svg });
