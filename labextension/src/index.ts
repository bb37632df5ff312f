/**
 * flyte_nb's JupyterLab panel: a left-sidebar panel (runs, artifacts, apps) and main-area
 * views of a run, an artifact or an app, restored with the layout on reload.
 */
import {
  ILabShell,
  ILayoutRestorer,
  IRouter,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Clipboard, ICommandPalette, MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Widget } from '@lumino/widgets';

import { AppsSection, AppView } from './apps';
import { ArtifactsSection, ArtifactView } from './artifacts';
import { PanelClient } from './client';
import { CompareView } from './compare';
import { setCellOpener } from './gotocell';
import { setPreviewClient } from './preview';
import { flyteIcon } from './icon';
import { parseTarget, targetOfSearch } from './links';
import { FlytePanel } from './panel';
import { RunView } from './runview';
import { Key } from './types';

const PLUGIN_ID = 'flyte-nb-panel:plugin';

const CommandIDs = {
  openRun: 'flyte-nb:open-run',
  openArtifact: 'flyte-nb:open-artifact',
  openApp: 'flyte-nb:open-app',
  showPanel: 'flyte-nb:show-panel',
  open: 'flyte-nb:open',
  openCompare: 'flyte-nb:open-compare'
} as const;

/** A command argument or setting as text: a JSON object or list is no name ('' instead). */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

interface Refreshable extends Widget {
  refreshInterval: number;
}

function keyOf(args: any): Key {
  return {
    project: String(args.project ?? 'default'),
    domain: String(args.domain ?? 'development'),
    name: String(args.name ?? '')
  };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Browse flyte_nb runs, artifacts and apps next to the notebook.',
  autoStart: true,
  optional: [ILayoutRestorer, ISettingRegistry, ICommandPalette, ILabShell, IRouter],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    labShell: ILabShell | null,
    router: IRouter | null
  ) => {
    const client = new PanelClient();
    setCellOpener(app); // "Go to cell" opens notebooks through the document manager
    setPreviewClient(client); // file values' previews read through the panel's client
    let refreshInterval = 10;

    // The notebook the user worked in last: "Copy to notebook" puts the snippet there.
    let lastNotebook: Widget | null = null;
    labShell?.currentChanged.connect((_, change) => {
      if (change.newValue?.hasClass('jp-NotebookPanel')) {
        lastNotebook = change.newValue;
      }
    });
    const insertCode = async (code: string): Promise<string | null> => {
      Clipboard.copyToSystem(code);
      if (!lastNotebook || lastNotebook.isDisposed) {
        return null;
      }
      // Show the notebook (so the new cell is seen), then insert: notebook commands act on
      // the notebook tracker's current widget, the same one.
      app.shell.activateById(lastNotebook.id);
      await app.commands.execute('notebook:insert-cell-below');
      await app.commands.execute('notebook:replace-selection', { text: code });
      return lastNotebook.title.label;
    };

    const openRun = (name: string) => void app.commands.execute(CommandIDs.openRun, { name });
    const openArtifact = (key: Key) =>
      void app.commands.execute(CommandIDs.openArtifact, { ...key });
    const openApp = (key: Key) => void app.commands.execute(CommandIDs.openApp, { ...key });

    // One tracker per kind of main-area view: found again instead of opened twice, and
    // restored from the workspace (by the args each was opened with) on reload.
    const trackers: WidgetTracker<MainAreaWidget<Refreshable>>[] = [];
    const addView = <T extends Refreshable>(
      command: string,
      namespace: string,
      idOf: (args: any) => string,
      argsOf: (content: T) => Record<string, string>,
      make: (args: any) => T | null
    ) => {
      const tracker = new WidgetTracker<MainAreaWidget<T>>({ namespace });
      trackers.push(tracker);
      app.commands.addCommand(command, {
        label: args => `Open flyte_nb ${namespace.replace('flyte-nb-', '')} ${text(args.name)}`,
        execute: args => {
          const id = idOf(args);
          const open = tracker.find(w => w.id === id);
          if (open) {
            app.shell.activateById(open.id);
            if (args.action && open.content instanceof RunView) {
              void open.content.showAction(text(args.action)); // a link to an action
            }
            return;
          }
          const content = make(args);
          if (!content) {
            return;
          }
          const widget = new MainAreaWidget({ content });
          widget.id = id;
          widget.title.label = content.title.label;
          widget.title.caption = content.title.caption;
          widget.title.icon = flyteIcon;
          widget.title.closable = true;
          void tracker.add(widget);
          app.shell.add(widget, 'main');
          app.shell.activateById(widget.id);
        }
      });
      if (restorer) {
        void restorer.restore(tracker, {
          command,
          args: widget => argsOf(widget.content),
          name: widget => widget.id
        });
      }
    };
    const keyId = (prefix: string) => (args: any) => {
      const k = keyOf(args);
      return `${prefix}-${k.project}-${k.domain}-${k.name}`;
    };
    const keyArgs = (content: { key: Key }) => ({ ...content.key });

    addView<RunView>(
      CommandIDs.openRun,
      'flyte-nb-run',
      args => `flyte-nb-run-${args.name}`,
      content => ({ name: content.runName }),
      args =>
        args.name
          ? new RunView({
              client,
              name: String(args.name),
              refreshInterval,
              insertCode,
              openArtifact,
              action: args.action ? String(args.action) : null
            })
          : null
    );
    addView<ArtifactView>(
      CommandIDs.openArtifact,
      'flyte-nb-artifact',
      keyId('flyte-nb-artifact'),
      keyArgs,
      args => (args.name ? new ArtifactView(client, keyOf(args), openRun, refreshInterval) : null)
    );
    addView<CompareView>(
      CommandIDs.openCompare,
      'flyte-nb-compare',
      args => `flyte-nb-compare-${text(args.names).replace(/,/g, '-')}`,
      content => ({ names: content.names.join(',') }),
      args => (text(args.names) ? new CompareView(client, text(args.names).split(',')) : null)
    );
    let appsChanged = () => undefined as void;
    addView<AppView>(CommandIDs.openApp, 'flyte-nb-app', keyId('flyte-nb-app'), keyArgs, args =>
      args.name
        ? new AppView(client, keyOf(args), openRun, refreshInterval, () => appsChanged())
        : null
    );

    const artifacts = new ArtifactsSection(client, openArtifact);
    const apps = new AppsSection(client, openApp);
    appsChanged = () => apps.restart();
    const panel = new FlytePanel(client, openRun, [
      ['artifacts', 'Artifacts', artifacts],
      ['apps', 'Apps', apps]
    ]);
    panel.title.icon = flyteIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'flyte-nb-panel');

    app.commands.addCommand(CommandIDs.showPanel, {
      label: 'Show flyte_nb runs',
      execute: () => app.shell.activateById(panel.id)
    });
    palette?.addItem({ command: CommandIDs.showPanel, category: 'flyte_nb' });

    // Links that travel (see links.ts): `?flyte-nb=<target>` through JupyterLab's router,
    // and `data-flyte-nb-open="<target>"` on anything in the page (the notebook widget's
    // "Open in panel"), without a reload.
    const openTarget = (raw: string): void => {
      const target = parseTarget(raw);
      if (!target) {
        console.warn(`flyte_nb panel: not a link it knows: ${raw}`);
        return;
      }
      app.shell.activateById(panel.id);
      if (target.kind === 'run') {
        void app.commands.execute(CommandIDs.openRun, {
          name: target.name,
          ...(target.action ? { action: target.action } : {})
        });
        return;
      }
      if (target.kind === 'compare') {
        void app.commands.execute(CommandIDs.openCompare, { names: target.names.join(',') });
        return;
      }
      const command = target.kind === 'app' ? CommandIDs.openApp : CommandIDs.openArtifact;
      void app.commands.execute(command, { ...target.key });
    };
    app.commands.addCommand(CommandIDs.open, {
      label: 'Open a flyte_nb link',
      execute: args => {
        const raw = text(args.target) || (targetOfSearch(text(args.search)) ?? '');
        // A link opened with the page: the restored layout would replace the main area,
        // so the view opens once the workspace is back (at once afterwards). Not awaited:
        // the router waits for its commands, and restoring waits for the router.
        void app.restored.then(() => openTarget(raw));
      }
    });
    router?.register({ command: CommandIDs.open, pattern: /[?&]flyte-nb=/, rank: 20 });
    document.addEventListener(
      'click',
      event => {
        const el = (event.target as Element | null)?.closest?.('[data-flyte-nb-open]');
        if (el) {
          event.preventDefault();
          event.stopPropagation();
          void app.commands.execute(CommandIDs.open, {
            target: el.getAttribute('data-flyte-nb-open') ?? ''
          });
        }
      },
      true
    );

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(
        settings => {
          const apply = () => {
            refreshInterval = Number(settings.get('refreshInterval').composite) || 10;
            const endpoint = text(settings.get('backendEndpoint').composite).trim();
            panel.runs.refreshInterval = refreshInterval;
            artifacts.refreshInterval = refreshInterval;
            apps.refreshInterval = refreshInterval;
            for (const tracker of trackers) {
              tracker.forEach(w => (w.content.refreshInterval = refreshInterval));
            }
            if (endpoint !== client.endpoint) {
              client.endpoint = endpoint;
              panel.restart();
            }
          };
          apply();
          settings.changed.connect(apply);
        },
        (reason: unknown) => console.warn('flyte_nb panel: settings not loaded', reason)
      );
    }
  }
};

export default plugin;
