// @vitest-environment jsdom
// `?` and C on Label issues show the key help and the comparison there, of the issues' own images;
// leaving the screen closes them, so they never pop up later on another screen with its data.
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../../test-support/renderer/render';
import { App } from '../shell/App';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
const idOf = (el: HTMLElement) => Number(el.dataset.testid!.slice(5));

describe('the key help and the comparison on Label issues', () => {
  test('? and C show them on Label issues, with its images; another screen closes them', async () => {
    const user = userEvent.setup();
    const { client, store } = setup({ images: 300 });
    render(<App client={client} store={store} />);
    await until(() => expect(tiles().length).toBeGreaterThan(0));
    await user.click(screen.getByTestId('nav-issues'));
    await until(() => expect(screen.getByTestId('screen-issues')).toBeTruthy());
    await until(() => expect(tiles().length).toBeGreaterThan(2));

    await user.click(tiles()[0]!);
    await user.keyboard('?');
    expect(screen.getByTestId('screen-issues').contains(screen.getByTestId('key-help'))).toBe(true);
    await user.keyboard('{Escape}');
    await until(() => expect(screen.queryByTestId('key-help')).toBeNull());

    // Two issues side by side: the issues' own images, from the tiles of this screen.
    const [a, b] = [idOf(tiles()[0]!), idOf(tiles()[2]!)];
    await user.click(screen.getByTestId(`tile-${a}`));
    await user.keyboard('{Control>}');
    await user.click(screen.getByTestId(`tile-${b}`));
    await user.keyboard('{/Control}');
    expect(store.getState().views.issues.selection).toEqual(new Set([a, b]));
    screen.getByTestId('gallery').focus();
    await user.keyboard('c');
    const compare = screen.getByTestId('compare-view');
    expect(screen.getByTestId('screen-issues').contains(compare)).toBe(true);
    expect(compare.dataset.ids).toBe(`${a},${b}`);
    for (const id of [a, b]) expect(screen.getByTestId(`compare-cell-${id}`).textContent).toContain(client.image(id)!.label!);

    // Left open with the help on top of it: Review shows neither.
    screen.getByTestId('gallery').focus();
    await user.keyboard('?');
    expect(screen.getByTestId('key-help')).toBeTruthy();
    await user.click(screen.getByTestId('nav-review'));
    await until(() => expect(screen.getByTestId('screen-review')).toBeTruthy());
    await until(() => expect(tiles().length).toBeGreaterThan(0));
    expect(screen.queryByTestId('compare-view')).toBeNull();
    expect(screen.queryByTestId('key-help')).toBeNull();
    // And coming back to Label issues does not bring them back either.
    await user.click(screen.getByTestId('nav-issues'));
    await until(() => expect(screen.getByTestId('screen-issues')).toBeTruthy());
    expect(screen.queryByTestId('compare-view')).toBeNull();
    expect(screen.queryByTestId('key-help')).toBeNull();
  });
});
