import { css } from '@emotion/css';
import {
  type GrafanaTheme2,
  LoadingState,
  type PanelProps,
  type ScopedVars,
  type TimeRange,
  urlUtil,
} from '@grafana/data';
import { config, getTemplateSrv } from '@grafana/runtime';
import { RadioButtonGroup, useStyles2, useTheme2 } from '@grafana/ui';
import React, { useCallback, useMemo, useState } from 'react';

import { buildDriftModel, compareFeatureNames, type FeatureDrift } from '../data/drift';
import { formatCount } from '../data/format';
import { framesToSeries } from '../data/frames';
import { parseMethodList } from '../data/metrics';
import { DEFAULT_OPTIONS, type DriftPanelOptions, type ViewMode } from '../types';
import { DriftHeatmap } from './DriftHeatmap';
import { FeatureGrid } from './FeatureGrid';
import { FocusView } from './FocusView';
import { Legend } from './Legend';
import { NoticeBar, PanelMessage } from './Messages';
import { getPalette } from './palette';
import { ChartTooltip, type TooltipState } from './Tooltip';

type Props = PanelProps<DriftPanelOptions>;

const MODES: Array<{ value: ViewMode; label: string; description: string }> = [
  { value: 'grid', label: 'Features', description: 'Small multiples: every feature, drifted first' },
  { value: 'focus', label: 'Focus', description: 'One feature with axes and details' },
  { value: 'timeline', label: 'Over time', description: 'Drift score per feature over the time range' },
];

const HEADER_HEIGHT = 32;

/**
 * Interpolate a dashboard variable the way Grafana does for queries (getTemplateSrv), falling back to the
 * panel's replaceVariables where no template service is registered.
 */
export function interpolate(
  text: string,
  scopedVars: ScopedVars | undefined,
  replaceVariables: Props['replaceVariables'],
): string {
  if (!text) {
    return '';
  }
  const srv = getTemplateSrv();
  if (srv) {
    return srv.replace(text, scopedVars, 'csv');
  }
  return replaceVariables(text, scopedVars, 'csv');
}

function timeParam(raw: TimeRange['raw']['from'], value: TimeRange['from']): string {
  return typeof raw === 'string' ? raw : String(value.valueOf());
}

/** Link to the per-feature drift dashboard, keeping the time range. */
export function drilldownUrl(
  uid: string,
  model: string | undefined,
  feature: string,
  timeRange: TimeRange,
): string {
  const params: Record<string, string> = {
    from: timeParam(timeRange.raw.from, timeRange.from),
    to: timeParam(timeRange.raw.to, timeRange.to),
    'var-feature': feature,
  };
  if (model) {
    params['var-model'] = model;
  }
  return `${config.appSubUrl ?? ''}/d/${encodeURIComponent(uid)}?${urlUtil.toUrlParams(params)}`;
}

export function DriftPanel(props: Props): React.JSX.Element {
  const { data, width, height, timeRange, timeZone, replaceVariables } = props;
  const options = { ...DEFAULT_OPTIONS, ...props.options };
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const palette = useMemo(() => getPalette(theme), [theme]);
  const scopedVars = data.request?.scopedVars;

  const modelName = interpolate(options.model, scopedVars, replaceVariables);
  const wantedFeature = interpolate(options.feature, scopedVars, replaceVariables);
  const series = useMemo(() => framesToSeries(data.series), [data.series]);
  const lowerIsDrift = useMemo(
    () => parseMethodList(options.lowerIsDriftMethods),
    [options.lowerIsDriftMethods],
  );
  const model = useMemo(
    () =>
      buildDriftModel(series, {
        model: modelName,
        lowerIsDriftMethods: lowerIsDrift,
        categoryOrder: options.categoryOrder,
      }),
    [series, modelName, lowerIsDrift, options.categoryOrder],
  );

  const [mode, setModeState] = useState<ViewMode>(options.mode);
  const [focused, setFocusedState] = useState<string | undefined>(undefined);
  const [tooltip, setTooltip] = useState<TooltipState | null>(null);
  const onTooltip = useCallback((t: TooltipState | null) => setTooltip(t), []);
  const setMode = useCallback((m: ViewMode) => {
    setTooltip(null);
    setModeState(m);
  }, []);
  const setFocused = useCallback((f: string | undefined) => {
    setTooltip(null);
    setFocusedState(f);
  }, []);
  // Editing the View or Focus feature options (or the $feature variable changing) wins over the viewer's clicks.
  const [seen, setSeen] = useState({ mode: options.mode, feature: wantedFeature });
  if (seen.mode !== options.mode || seen.feature !== wantedFeature) {
    setSeen({ mode: options.mode, feature: wantedFeature });
    setModeState(options.mode);
    setFocusedState(undefined);
  }

  const features = useMemo(() => {
    let list: FeatureDrift[] = [...model.features];
    if (options.sortBy === 'name') {
      list.sort(compareFeatureNames);
    }
    if (options.showOnlyDrifted) {
      list = list.filter((f) => f.verdict === 'drifted' || f.verdict === 'pending');
    }
    return list;
  }, [model.features, options.sortBy, options.showOnlyDrifted]);

  const linkFor = useCallback(
    (feature: string): string | undefined =>
      options.showDashboardLinks && options.dashboardUid
        ? drilldownUrl(options.dashboardUid, model.model, feature, timeRange)
        : undefined,
    [options.showDashboardLinks, options.dashboardUid, model.model, timeRange],
  );

  const openFeature = useCallback(
    (name: string) => {
      setFocused(name);
      setMode('focus');
    },
    [setFocused, setMode],
  );

  if (model.blocking) {
    if (data.state === LoadingState.Loading && data.series.length === 0) {
      return <div style={{ width, height }} />;
    }
    return (
      <div style={{ width, height }}>
        <PanelMessage notice={model.blocking}>
          {model.blocking.code === 'no-data' && <ExpectedQueries />}
        </PanelMessage>
      </div>
    );
  }

  const focusFeature =
    model.features.find((f) => f.name === focused) ??
    model.features.find((f) => f.name === wantedFeature) ??
    features[0] ??
    model.features[0];
  const noticeH = model.notices.length * 26 + (model.notices.length ? 8 : 0);
  const bodyH = Math.max(40, height - HEADER_HEIGHT - noticeH);
  const compact = width < 520;

  let body: React.ReactNode;
  if (features.length === 0 && mode !== 'focus') {
    body = (
      <PanelMessage
        notice={{
          code: 'no-data',
          level: 'info',
          title: 'No drifted features',
          detail: `All ${model.features.length} features are within their thresholds. Turn off "Only drifted features" to see them.`,
        }}
      />
    );
  } else if (mode === 'focus' && focusFeature) {
    const link = linkFor(focusFeature.name);
    body = (
      <FocusView
        features={features.length > 0 ? features : model.features}
        feature={focusFeature}
        width={width}
        height={bodyH}
        chartStyle={options.chartStyle}
        palette={palette}
        {...(model.referenceRows !== undefined ? { referenceRows: model.referenceRows } : {})}
        {...(model.windowRows !== undefined ? { windowRows: model.windowRows } : {})}
        onSelect={setFocused}
        onTooltip={onTooltip}
        {...(link ? { dashboardUrl: link } : {})}
      />
    );
  } else if (mode === 'timeline') {
    body = (
      <DriftHeatmap
        model={options.showOnlyDrifted || options.sortBy === 'name' ? { ...model, features } : model}
        from={timeRange.from.valueOf()}
        to={timeRange.to.valueOf()}
        width={width}
        height={bodyH}
        timeZone={timeZone}
        palette={palette}
        onSelect={openFeature}
        onTooltip={onTooltip}
      />
    );
  } else {
    body = (
      <FeatureGrid
        features={features}
        width={width}
        height={bodyH}
        minCardWidth={options.minCardWidth}
        chartStyle={options.chartStyle}
        maxCategories={options.maxCategories}
        palette={palette}
        onTooltip={onTooltip}
        onOpen={openFeature}
        dashboardUrl={linkFor}
      />
    );
  }

  const total = model.features.length;
  const scored = model.features.filter((f) => f.verdict !== 'unknown').length;
  return (
    <div
      className={styles.root}
      style={{ width, height }}
      data-testid="mw-drift-panel"
      data-mode={mode}
      data-model={model.model}
    >
      <div className={styles.header} style={{ height: HEADER_HEIGHT }}>
        <div className={styles.summary} data-testid="mw-summary">
          {model.model && !compact && <span className={styles.model}>{model.model}</span>}
          {scored === 0 ? (
            <span className={styles.muted}>
              {total} feature{total === 1 ? '' : 's'} · no drift scores
            </span>
          ) : (
            <span>
              {model.driftedCount > 0 ? (
                <strong style={{ color: palette.verdict.drifted }}>{model.driftedCount} drifted</strong>
              ) : (
                <span style={{ color: palette.verdict.ok }}>no drift</span>
              )}
              {model.pendingCount > 0 && (
                <strong style={{ color: palette.verdict.pending }}>
                  {' '}
                  · {model.pendingCount} {compact ? 'unconf.' : 'unconfirmed'}
                </strong>
              )}
              <span className={styles.muted}>
                {' '}
                of {total}
                {compact ? '' : ` feature${total === 1 ? '' : 's'}`}
              </span>
            </span>
          )}
          {!compact && (model.referenceRows !== undefined || model.windowRows !== undefined) && (
            <span className={styles.muted} title="Rows in the reference profile and in the current window">
              ref {formatCount(model.referenceRows)} · window {formatCount(model.windowRows)} rows
            </span>
          )}
        </div>
        <div className={styles.controls}>
          {mode === 'grid' && width >= 760 && <Legend palette={palette} chartStyle={options.chartStyle} />}
          <RadioButtonGroup<ViewMode>
            size="sm"
            options={
              compact ? MODES.map((m) => ({ ...m, label: m.label.replace('Over time', 'Time') })) : MODES
            }
            value={mode}
            onChange={(m) => setMode(m)}
          />
        </div>
      </div>
      <NoticeBar notices={model.notices} />
      <div style={{ height: bodyH }}>{body}</div>
      <ChartTooltip state={tooltip} />
    </div>
  );
}

/** The default queries, shown when the panel has no modelwatch data. */
function ExpectedQueries(): React.JSX.Element {
  const styles = useStyles2(getStyles);
  return (
    <ol className={styles.queries}>
      <li>
        <code>modelwatch_feature_bin_ratio{'{model="$model"}'}</code> — instant
      </li>
      <li>
        <code>modelwatch_feature_drift_score{'{model="$model"}'}</code> — range
      </li>
      <li>
        <code>
          {
            '{__name__=~"modelwatch_feature_drift_threshold|modelwatch_feature_drift_p_value|modelwatch_feature_drifted", model="$model"}'
          }
        </code>{' '}
        — instant
      </li>
      <li>
        <code>
          {
            '{__name__=~"modelwatch_reference_rows|modelwatch_window_rows|modelwatch_window_min_rows", model="$model"}'
          }
        </code>{' '}
        — instant
      </li>
    </ol>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    display: 'flex',
    flexDirection: 'column',
    overflow: 'hidden',
  }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(0.5),
    flex: '0 0 auto',
  }),
  summary: css({
    display: 'flex',
    alignItems: 'baseline',
    gap: theme.spacing(1.5),
    minWidth: 0,
    overflow: 'hidden',
    whiteSpace: 'nowrap',
    textOverflow: 'ellipsis',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  model: css({
    fontWeight: theme.typography.fontWeightMedium,
    fontSize: theme.typography.body.fontSize,
    color: theme.colors.text.primary,
  }),
  muted: css({
    color: theme.colors.text.secondary,
  }),
  controls: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    flex: '0 0 auto',
  }),
  queries: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    paddingLeft: theme.spacing(2.5),
    margin: 0,
    li: { marginBottom: theme.spacing(0.5) },
    code: { fontSize: 11, wordBreak: 'break-all', whiteSpace: 'normal' },
  }),
});
