// @vitest-environment jsdom
// "Keys work without clicking first": a screen with a gallery, however it was reached (the sidebar,
// a confusion cell of Train), takes the keyboard focus on its gallery, so the keys go there at once
// and a screen reader hears the focused tile (the grid's aria-activedescendant).
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ReviewScreen } from '../review/ReviewScreen';
import { App } from './App';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
const gallery = () => screen.getByTestId('gallery');
const focusedId = () => {
  const t = tiles().find((el) => el.dataset.focused === 'true');
  return t ? Number(t.dataset.testid!.slice(5)) : null;
};

describe('the gallery takes the focus when its screen shows', () => {
  test('after the sidebar opens Review or Label issues, the keys act on the gallery with no click', async () => {
    const user = userEvent.setup();
    const { client, store } = setup({ images: 300 });
    render(<App client={client} store={store} />);
    await until(() => expect(tiles().length).toBeGreaterThan(1));
    await until(() => expect(store.getState().activeRunId).not.toBeNull());

    await user.click(screen.getByTestId('nav-train'));
    expect(screen.getByTestId('screen-train')).toBeTruthy();
    await user.click(screen.getByTestId('nav-review'));
    await until(() => expect(tiles().length).toBeGreaterThan(1));
    expect(document.activeElement).toBe(gallery());
    expect(gallery().dataset.view).toBe('review');
    const id = focusedId()!;
    expect(gallery().getAttribute('aria-activedescendant')).toBe(`tile-${id}`);
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set')).toEqual([{ imageIds: [id], label: 'bad' }]));

    await user.click(screen.getByTestId('nav-issues'));
    await until(() => expect(screen.getByTestId('screen-issues')).toBeTruthy());
    expect(document.activeElement).toBe(gallery());
    expect(gallery().dataset.view).toBe('issues');
    await until(() => expect(tiles().length).toBeGreaterThan(1));
    await user.keyboard('{ArrowRight}');
    expect(store.getState().views.issues.focus).toBe(1);
  });

  test('a confusion cell of Train opens Review with the focus on its grid', async () => {
    const user = userEvent.setup();
    const { client, store } = setup({ images: 300 });
    render(<App client={client} store={store} />);
    await until(() => expect(tiles().length).toBeGreaterThan(0));
    await user.click(screen.getByTestId('nav-train'));
    await until(() => expect(screen.getByTestId('confusion-fp').dataset.value).not.toBe(''));
    await user.click(screen.getByTestId('confusion-fp'));
    await until(() => expect(screen.getByTestId('screen-review')).toBeTruthy());
    expect(document.activeElement).toBe(gallery());
    await until(() => expect(tiles().length).toBeGreaterThan(0));
    const id = focusedId()!;
    expect(client.image(id)).toMatchObject({ label: 'good' });
    expect(gallery().getAttribute('aria-activedescendant')).toBe(`tile-${id}`);
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set')).toEqual([{ imageIds: [id], label: 'bad' }]));
    expect(store.getState().screen).toBe('review');
  });

  test('a focus the curator put elsewhere is left where it is', async () => {
    const field = document.createElement('input');
    document.body.append(field);
    field.focus();
    try {
      renderWith(<ReviewScreen />, setup());
      await until(() => expect(tiles().length).toBeGreaterThan(0));
      expect(document.activeElement).toBe(field);
    } finally {
      field.remove();
    }
  });
});
