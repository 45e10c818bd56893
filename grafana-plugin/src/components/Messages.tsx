import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import React from 'react';

import type { Notice } from '../data/drift';

const ICON = { info: 'info-circle', warning: 'exclamation-triangle', error: 'exclamation-circle' } as const;

/** A notice that replaces the panel content: no data, no reference, model not found. */
export function PanelMessage({
  notice,
  children,
}: {
  notice: Notice;
  children?: React.ReactNode;
}): React.JSX.Element {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.center} data-testid="mw-message" data-code={notice.code}>
      <div className={styles.box}>
        <div className={styles.title}>
          <Icon name={ICON[notice.level]} size="lg" className={styles[notice.level]} />
          {notice.title}
        </div>
        {notice.detail && <p className={styles.detail}>{notice.detail}</p>}
        {children}
      </div>
    </div>
  );
}

/** Notices above the content: partial data, small window, several models. */
export function NoticeBar({ notices }: { notices: readonly Notice[] }): React.JSX.Element | null {
  const styles = useStyles2(getStyles);
  if (notices.length === 0) {
    return null;
  }
  return (
    <div className={styles.bar}>
      {notices.map((n) => (
        <div
          key={n.code}
          className={styles.notice}
          data-testid="mw-notice"
          data-code={n.code}
          title={n.detail}
          role={n.level === 'info' ? 'status' : 'alert'}
        >
          <Icon name={ICON[n.level]} className={styles[n.level]} />
          <span className={styles.noticeTitle}>{n.title}</span>
          {n.detail && <span className={styles.noticeDetail}>{n.detail}</span>}
        </div>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  center: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    height: '100%',
    padding: theme.spacing(2),
    overflow: 'auto',
  }),
  box: css({
    maxWidth: 560,
  }),
  title: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    fontSize: theme.typography.h5.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    marginBottom: theme.spacing(1),
  }),
  detail: css({
    color: theme.colors.text.secondary,
    margin: 0,
    marginBottom: theme.spacing(1),
  }),
  info: css({ color: theme.colors.info.text }),
  warning: css({ color: theme.colors.warning.text }),
  error: css({ color: theme.colors.error.text }),
  bar: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    marginBottom: theme.spacing(1),
  }),
  notice: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0.5, 1),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
  }),
  noticeTitle: css({
    fontWeight: theme.typography.fontWeightMedium,
  }),
  noticeDetail: css({
    color: theme.colors.text.secondary,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
});
