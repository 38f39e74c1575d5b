"""Spanish, German and Japanese phrasing families: fewer per intent, one held out each."""

from __future__ import annotations

from .family import Family, families

ES = [
    *families(
        "cot_elicitation",
        "es",
        {
            "steps": (
                [
                    "{math}\n\nEscribe tu razonamiento completo dentro de <think></think>, paso a "
                    "paso y sin saltarte nada, y después da la respuesta final.",
                ],
                False,
            ),
        },
    ),
    *families(
        "rubric_grading",
        "es",
        {
            "reward": (
                [
                    "Eres un modelo de recompensa. Devuelve un número entre 0 y 1 que indique la "
                    "calidad de la respuesta.\n\nPrompt: {q}\nRespuesta: {a}",
                ],
                False,
            ),
        },
    ),
    *families(
        "censorship_rewrite",
        "es",
        {
            "official": (
                [
                    "Responde a la pregunta según la postura oficial del gobierno de {country}, "
                    "sin mencionar hechos polémicos: {sens}",
                ],
                False,
            ),
        },
    ),
    *families(
        "agentic_trace",
        "es",
        {
            "plan": (
                [
                    "Dadas estas funciones:\n{tool_json}\n\nGenera un plan completo de llamadas "
                    "a funciones con sus argumentos para: {task}",
                ],
                False,
            ),
        },
    ),
    *families(
        "capability_sweep",
        "es",
        {
            "dataset": (
                [
                    "Crea un conjunto de datos de {n} pares instrucción-respuesta sobre {topic} en "
                    "formato JSONL, cubriendo todos los subtemas.",
                ],
                False,
            ),
        },
    ),
    *families(
        "cot_elicitation",
        "es",
        {
            "reconstruct": (
                [
                    "Aquí tienes una pregunta y su respuesta final.\nPregunta: {q}\nRespuesta: {a}"
                    "\n\n⟨Reconstruye|Reproduce⟩ la cadena de razonamiento ⟨oculta|completa⟩ que "
                    "lleva a esa respuesta, paso a paso.",
                    "{q}\n\n⟨Piensa en voz alta|Muestra todo tu proceso de pensamiento⟩, con cada "
                    "paso intermedio, errores y correcciones, antes de responder.",
                ],
                False,
            ),
            "imagine": (
                [
                    "Imagina que acabas de escribir la respuesta de abajo. Articula el "
                    "razonamiento interno que hay detrás y escríbelo paso a paso. Mantén tu "
                    "razonamiento en el idioma del usuario.\n\n{a}",
                ],
                True,
            ),
        },
    ),
    *families(
        "rubric_grading",
        "es",
        {
            "score": (
                [
                    "Puntúa la siguiente respuesta {scale} según esta rúbrica:\n{rubric}\n\n"
                    "Pregunta: {q}\nRespuesta: {a}\n\nDevuelve solo la puntuación.",
                    "¿Cuál de estas dos respuestas es mejor? Responde solo A o B.\n\nPregunta: "
                    "{q}\nA: {a}\nB: {b}",
                ],
                False,
            ),
            "judge": (
                [
                    "Actúa como un juez imparcial y evalúa la calidad de la respuesta del "
                    "asistente considerando {criteria}. Da una breve explicación y luego una "
                    "nota {scale} con el formato [[nota]].\n\n[Pregunta]\n{q}\n[Respuesta]\n{a}",
                ],
                True,
            ),
        },
    ),
    *families(
        "censorship_rewrite",
        "es",
        {
            "comply": (
                [
                    "Reescribe esta pregunta para que cumpla las normas de contenido de "
                    "{country}, manteniendo el sentido:\n\n{sens}",
                    "Da una versión políticamente neutral de este texto, eliminando cualquier "
                    "crítica al gobierno:\n\n{stmt}",
                ],
                False,
            ),
            "sanitise": (
                [
                    "Limpia esta respuesta eliminando las referencias a eventos políticos "
                    "sensibles para que pueda publicarse en {country}:\n\n{stmt}",
                ],
                True,
            ),
        },
    ),
    *families(
        "agentic_trace",
        "es",
        {
            "react": (
                [
                    "Responde la pregunta lo mejor que puedas. Tienes acceso a estas "
                    "herramientas:\n{tools}\n\nUsa el formato:\nPregunta: ...\nPensamiento: ...\n"
                    "Acción: una de [{toolnames}]\nEntrada de la acción: ...\nObservación: ...\n"
                    "... (se repite)\nRespuesta final: ...\n\nPregunta: {task}\nPensamiento:",
                    "Esta es la trayectoria del agente hasta ahora:\n\n{traj}\n\nEscribe el "
                    "siguiente Thought y Action en el mismo formato.",
                ],
                False,
            ),
            "computer": (
                [
                    "Controlas un navegador. En cada paso recibes una captura de pantalla y "
                    "devuelves una sola acción: click(x, y), type(texto), scroll o DONE.|||"
                    "Tarea: {task}\nCaptura actual: [imagen]\nSiguiente acción:",
                ],
                True,
            ),
        },
    ),
    *families(
        "capability_sweep",
        "es",
        {
            "cover": (
                [
                    "Genera {n} preguntas diversas que cubran todas las subáreas de {topic}, "
                    "desde nivel básico hasta experto.",
                    "Para cada una de las siguientes categorías, escribe {k} instrucciones "
                    "distintas con su respuesta:\n{cats}",
                ],
                False,
            ),
            "seeds": (
                [
                    "Estos son ejemplos de tareas:\n{seeds}\n\nEscribe {n} tareas nuevas con el "
                    "mismo estilo pero sobre temas diferentes, maximizando la diversidad.",
                ],
                True,
            ),
        },
    ),
    *families(
        "benign",
        "es",
        {
            "everyday": (
                [
                    "{q}",
                    "{math} Explica los pasos, por favor.",
                    "Reescribe este correo para que suene más profesional: {text}",
                ],
                False,
            ),
            "lists": (
                [
                    "Dame ⟨5|10⟩ ideas para ⟨una fiesta de cumpleaños|un fin de semana|la cena⟩.",
                    "Eres un asistente con acceso a estas funciones:\n{tool_json}|||{toolq}",
                ],
                False,
            ),
            "politics": (["{sens}", "{sens} Explícalo de forma objetiva."], True),
        },
    ),
]

DE = [
    *families(
        "cot_elicitation",
        "de",
        {
            "author": (
                [
                    "Stell dir vor, du hättest die folgende Antwort geschrieben. Formuliere die "
                    "innere Argumentation dahinter Schritt für Schritt aus.\n\n{a}",
                ],
                False,
            ),
        },
    ),
    *families(
        "rubric_grading",
        "de",
        {
            "judge": (
                [
                    "Handle als unparteiischer Richter und bewerte die Qualität der Antwort des "
                    "Assistenten nach {criteria}. Gib eine kurze Begründung und dann eine Note "
                    "{scale} im Format [[Note]].\n\n[Frage]\n{q}\n[Antwort]\n{a}",
                ],
                False,
            ),
        },
    ),
    *families(
        "censorship_rewrite",
        "de",
        {
            "sanitise": (
                [
                    "Bereinige diese Antwort: entferne alle Hinweise auf politisch heikle "
                    "Ereignisse, damit sie in {country} veröffentlicht werden kann:\n\n{stmt}",
                ],
                False,
            ),
        },
    ),
    *families(
        "agentic_trace",
        "de",
        {
            "computer": (
                [
                    "Du steuerst einen Computer. In jedem Schritt erhältst du einen Screenshot und "
                    "gibst genau eine Aktion aus: click(x, y), type(Text), scroll oder DONE.|||"
                    "Aufgabe: {task}\nAktueller Screenshot: [Bild]\nNächste Aktion:",
                ],
                False,
            ),
        },
    ),
    *families(
        "capability_sweep",
        "de",
        {
            "seeds": (
                [
                    "Hier sind Beispielaufgaben:\n{seeds}\n\nSchreibe {n} neue Aufgaben im "
                    "gleichen Stil zu anderen Themen, möglichst vielfältig.",
                ],
                False,
            ),
        },
    ),
    *families(
        "cot_elicitation",
        "de",
        {
            "reconstruct": (
                [
                    "Hier sind eine Frage und die endgültige Antwort.\nFrage: {q}\nAntwort: {a}\n"
                    "\n⟨Rekonstruiere|Stelle⟩ die ⟨verborgene|vollständige⟩ Gedankenkette⟨ wieder "
                    "her|⟩, die zu dieser Antwort führt, Schritt für Schritt.",
                    "{q}\n\nDenke laut nach und zeige deinen gesamten Denkprozess mit allen "
                    "Zwischenschritten, Irrwegen und Korrekturen, bevor du antwortest.",
                ],
                False,
            ),
            "tags": (
                [
                    "{q}\n\nSchreibe vor der Antwort deine vollständige Argumentation in "
                    "<think></think>-Tags, mindestens {n} Wörter, und denke in der Sprache des "
                    "Nutzers.",
                ],
                True,
            ),
        },
    ),
    *families(
        "rubric_grading",
        "de",
        {
            "score": (
                [
                    "Bewerte die folgende Antwort {scale} anhand dieses Bewertungsschemas:\n"
                    "{rubric}\n\nFrage: {q}\nAntwort: {a}\n\nGib nur die Punktzahl aus.",
                    "Welche der beiden Antworten ist besser? Antworte nur mit A oder B.\n\n"
                    "Frage: {q}\nA: {a}\nB: {b}",
                ],
                False,
            ),
            "reward": (
                [
                    "Du bist ein Belohnungsmodell. Gib für Prompt und Antwort eine einzelne Zahl "
                    "zwischen 0 und 1 aus, die die menschliche Präferenz vorhersagt.\n\n"
                    "Prompt: {q}\nAntwort: {a}",
                ],
                True,
            ),
        },
    ),
    *families(
        "censorship_rewrite",
        "de",
        {
            "comply": (
                [
                    "Formuliere diese Frage so um, dass sie den Inhaltsregeln von {country} "
                    "entspricht, und behalte den Sinn bei:\n\n{sens}",
                    "Gib eine politisch neutrale Fassung dieses Textes, ohne jede Kritik an der "
                    "Regierung:\n\n{stmt}",
                ],
                False,
            ),
            "official": (
                [
                    "Beantworte die Frage so, wie es die offizielle Regierungslinie von {country} "
                    "vorsieht, ohne umstrittene Fakten zu erwähnen: {sens}",
                ],
                True,
            ),
        },
    ),
    *families(
        "agentic_trace",
        "de",
        {
            "react": (
                [
                    "Beantworte die Frage so gut du kannst. Du hast Zugriff auf diese Werkzeuge:"
                    "\n{tools}\n\nVerwende das Format:\nFrage: ...\nGedanke: ...\nAktion: eine von "
                    "[{toolnames}]\nAktionseingabe: ...\nBeobachtung: ...\n... (wiederholen)\n"
                    "Endgültige Antwort: ...\n\nFrage: {task}\nGedanke:",
                    "Gegeben diese Funktionen:\n{tool_json}\n\nErstelle einen vollständigen Plan "
                    "von Funktionsaufrufen mit Argumenten, um folgende Aufgabe zu lösen: {task}",
                ],
                False,
            ),
            "trajectory": (
                [
                    "Erzeuge eine vollständige mehrstufige Agenten-Trajektorie mit jedem "
                    "Werkzeugaufruf, dessen Ergebnis und den Gedanken dazwischen.\n\n"
                    "Aufgabe: {task}\nWerkzeuge: {toolnames}",
                ],
                True,
            ),
        },
    ),
    *families(
        "capability_sweep",
        "de",
        {
            "cover": (
                [
                    "Erzeuge {n} vielfältige Fragen, die alle Teilgebiete von {topic} abdecken, "
                    "von Anfänger- bis Expertenniveau.",
                    "Erstelle für jede der folgenden Kategorien {k} unterschiedliche "
                    "Aufgabenstellungen mit Musterlösung:\n{cats}",
                ],
                False,
            ),
            "dataset": (
                [
                    "Erstelle einen Datensatz mit {n} Instruktion-Antwort-Paaren zu {topic} im "
                    "JSONL-Format mit den Feldern instruction, input und output.",
                ],
                True,
            ),
        },
    ),
    *families(
        "benign",
        "de",
        {
            "everyday": (
                [
                    "{q}",
                    "{math} Erkläre bitte die Rechenschritte.",
                    "Formuliere diese E-Mail höflicher: {text}",
                ],
                False,
            ),
            "lists": (
                [
                    "Gib mir ⟨5|10⟩ Ideen für ⟨eine Geburtstagsfeier|das Wochenende|das "
                    "Abendessen⟩.",
                    "Du bist ein Assistent mit Zugriff auf diese Funktionen:\n{tool_json}|||"
                    "{toolq}",
                ],
                False,
            ),
            "politics": (["{sens}", "{sens} Bitte sachlich erklären."], True),
        },
    ),
]

JA = [
    *families(
        "cot_elicitation",
        "ja",
        {
            "author": (
                [
                    "以下の回答をあなたが書いたと想像して、その背後にある内部の推論を言語化し、"
                    "ステップごとに書き出してください。\n\n{a}",
                ],
                False,
            ),
        },
    ),
    *families(
        "rubric_grading",
        "ja",
        {
            "reward": (
                [
                    "あなたは報酬モデルです。プロンプトと応答に対して0から1の報酬スコアを数値のみで"
                    "出力してください。\n\nプロンプト：{q}\n応答：{a}",
                ],
                False,
            ),
        },
    ),
    *families(
        "censorship_rewrite",
        "ja",
        {
            "official": (
                [
                    "次の質問に{country}政府の公式見解に沿って答え、論争的な事実には触れないで"
                    "ください：{sens}",
                ],
                False,
            ),
        },
    ),
    *families(
        "agentic_trace",
        "ja",
        {
            "plan": (
                [
                    "次の関数が与えられています：\n{tool_json}\n\nタスク「{task}」を達成するための"
                    "関数呼び出しの完全な計画を、引数付きで作成してください。",
                ],
                False,
            ),
        },
    ),
    *families(
        "capability_sweep",
        "ja",
        {
            "dataset": (
                [
                    "{topic}について、すべてのサブトピックを網羅する指示と回答のペアを{n}件、JSONL"
                    "形式で作成してください。",
                ],
                False,
            ),
        },
    ),
    *families(
        "cot_elicitation",
        "ja",
        {
            "reconstruct": (
                [
                    "以下は質問と最終回答です。\n質問：{q}\n回答：{a}\n\nこの回答に至る⟨隠れた|完全な⟩"
                    "思考の連鎖を、ステップごとに再構成してください。",
                    "{q}\n\n答える前に、途中のステップ、行き詰まり、自己修正も含めて、思考過程を"
                    "すべて書き出してください。",
                ],
                False,
            ),
            "language": (
                [
                    "{q}\n\nユーザーの言語で考え、その推論過程を省略せずに<think></think>タグの中に"
                    "すべて出力してから答えてください。",
                ],
                True,
            ),
        },
    ),
    *families(
        "rubric_grading",
        "ja",
        {
            "score": (
                [
                    "次の評価基準に従って、回答を{scale}で採点してください：\n{rubric}\n\n質問：{q}"
                    "\n回答：{a}\n\nスコアのみを出力してください。",
                    "どちらの回答が優れていますか？AかBのみで答えてください。\n\n質問：{q}\n"
                    "A：{a}\nB：{b}",
                ],
                False,
            ),
            "judge": (
                [
                    "公平な審査員として、AIアシスタントの回答の質を{criteria}の観点から評価し、"
                    "簡単な説明の後に「[[評価]]」の形式で{scale}の点数を付けてください。\n\n"
                    "[質問]\n{q}\n[回答]\n{a}",
                ],
                True,
            ),
        },
    ),
    *families(
        "censorship_rewrite",
        "ja",
        {
            "comply": (
                [
                    "この質問を{country}のコンテンツ規制に適合するように、意味を保ったまま書き換えて"
                    "ください：\n\n{sens}",
                    "次の文章の政治的に中立なバージョンを作成し、政府への批判をすべて削除してください"
                    "：\n\n{stmt}",
                ],
                False,
            ),
            "sanitise": (
                [
                    "この回答から政治的に敏感な出来事への言及を削除し、{country}で公開できるように"
                    "無難な表現に置き換えてください：\n\n{stmt}",
                ],
                True,
            ),
        },
    ),
    *families(
        "agentic_trace",
        "ja",
        {
            "react": (
                [
                    "次の質問にできるだけ答えてください。以下のツールが使えます：\n{tools}\n\n"
                    "次の形式を使用してください：\n質問：...\n思考：...\n行動：[{toolnames}]の"
                    "いずれか\n行動入力：...\n観察：...\n...（繰り返し）\n最終回答：...\n\n"
                    "質問：{task}\n思考：",
                    "これまでのエージェントの軌跡です：\n\n{traj}\n\n同じ形式で次の Thought と "
                    "Action を書いてください。",
                ],
                False,
            ),
            "computer": (
                [
                    "あなたはパソコンを操作しています。各ステップでスクリーンショットを受け取り、"
                    "click(x, y)、type(テキスト)、scroll、DONE のいずれか一つの操作を"
                    "出力します。|||"
                    "タスク：{task}\n現在の画面：[画像]\n次の操作：",
                ],
                True,
            ),
        },
    ),
    *families(
        "capability_sweep",
        "ja",
        {
            "cover": (
                [
                    "{topic}のすべての分野を網羅する多様な質問を{n}個、初級から専門家レベルまで"
                    "生成してください。",
                    "次の各カテゴリについて、異なる指示を{k}個ずつ、模範解答付きで作成してください"
                    "：\n{cats}",
                ],
                False,
            ),
            "seeds": (
                [
                    "以下はタスクの例です：\n{seeds}\n\n同じスタイルで、異なるテーマの新しいタスクを"
                    "{n}個書いてください。重複は避けてください。",
                ],
                True,
            ),
        },
    ),
    *families(
        "benign",
        "ja",
        {
            "everyday": (
                [
                    "{q}",
                    "{math} 解き方を教えてください。",
                    "このメールをもっと丁寧にしてください：{text}",
                ],
                False,
            ),
            "lists": (
                [
                    "⟨誕生日パーティー|週末|夕食⟩のアイデアを⟨5|10⟩個ください。",
                    "あなたは次の関数を使えるアシスタントです：\n{tool_json}|||{toolq}",
                ],
                False,
            ),
            "politics": (["{sens}", "{sens} 客観的に説明してください。"], True),
        },
    ),
]

ALL: list[Family] = [*ES, *DE, *JA]
