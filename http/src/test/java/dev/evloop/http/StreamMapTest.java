package dev.evloop.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link StreamMap} against a HashMap under random puts and removes of odd ids, with growth. */
class StreamMapTest {
    @Test
    void behavesAsAMapUnderRandomOperations() {
        Random random = new Random(11);
        for (int round = 0; round < 20; round++) {
            StreamMap map = new StreamMap();
            Map<Integer, Http2Stream> model = new HashMap<>();
            int next = 1;
            for (int op = 0; op < 5_000; op++) {
                int choice = random.nextInt(10);
                if (choice < 5 || model.isEmpty()) {
                    Http2Stream s = new Http2Stream(null, next, null, 0, 0, 0);
                    map.put(next, s);
                    model.put(next, s);
                    next += 2;
                } else if (choice < 9) {
                    int id = model.keySet().stream().skip(random.nextInt(model.size())).findFirst().orElseThrow();
                    assertThat(map.remove(id)).isSameAs(model.remove(id));
                } else {
                    assertThat(map.remove(next + 2)).isNull(); // never opened
                }
                assertThat(map.size()).isEqualTo(model.size());
                int probe = 1 + 2 * random.nextInt(Math.max(1, next / 2));
                assertThat(map.get(probe)).isSameAs(model.get(probe));
            }
            for (Map.Entry<Integer, Http2Stream> e : model.entrySet()) assertThat(map.get(e.getKey())).isSameAs(e.getValue());
            assertThat(map.snapshot()).containsExactlyInAnyOrderElementsOf(model.values());
        }
    }
}
