"""Nicknames, bios and live-chat comments, in the languages of the simulated worlds.

Each `Language` holds its live chat: the short stock phrases everyone uses (humans,
superfans especially, click-farm crews), fragments that compose a large space of varied
sentences (ordinary chat, some of it two-part questions and mini-reviews as long as any
script), the longer scripted sentences comment-bot operators post (with decorated variants
careful operators use), the lucky-bag passwords (福袋口令) every viewer entering a raffle
posts word for word, and promotional sentences (加微信, 私信, 优惠, 代购, 兼职 and their
equivalents). Around a comment's body come the affixes of scripted posting that text
features on real platforms look for, which people post too: @mentions, #hashtags#, repost
markers (//@name: or RT @name:), links, small template variations (numbers, contact
handles, emoji) that make near-duplicates of one script, and plain emoji.

A world's `Vocabulary` holds the texts of its one or two languages; events carry integer
codes: a body code into `texts` and prefix and suffix codes into `affixes` (0 is empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class Language:
    stock: tuple[str, ...]
    openers: tuple[str, ...]
    bodies: tuple[str, ...]
    closers: tuple[str, ...]
    joiner: str  # between the two parts of a long sentence
    scripted: tuple[str, ...]
    decorations: tuple[str, ...]
    passwords: tuple[str, ...]
    promo: tuple[str, ...]
    topics: tuple[str, ...]
    hashtag: str  # format of a hashtag prefix
    repost: str  # format of a repost prefix
    link_domains: tuple[str, ...]
    handles: tuple[str, ...]  # contact-handle formats of template variations
    emoji: tuple[str, ...]
    given: tuple[str, ...]
    extra: tuple[str, ...]  # surnames (zh) or name parts
    phrases: tuple[str, ...]
    default_name: str
    bios: tuple[str, ...]


ZH = Language(
    stock=(
        "666",
        "6666",
        "主播好",
        "来了",
        "来了来了",
        "哈哈哈",
        "哈哈哈哈",
        "🔥🔥",
        "❤️❤️❤️",
        "👍👍",
        "好看",
        "支持主播",
        "打卡",
        "晚上好",
        "冲冲冲",
        "爱了爱了",
        "牛",
        "太强了",
        "笑死",
        "上车",
        "已关注",
        "好好好",
        "🌹",
        "赞",
    ),
    openers=("", "", "主播", "姐姐", "哥", "宝宝们", "家人们", "老师", "刚来，", "请问"),
    bodies=(
        "这个多少钱",
        "链接在哪",
        "今天几点下播",
        "声音有点小",
        "好久不见",
        "这首歌叫什么",
        "能再讲一遍吗",
        "有没有优惠券",
        "上次买的很好用",
        "发货快吗",
        "衣服好看",
        "我在上班偷偷看",
        "明天还播吗",
        "有没有大码",
        "这个颜色显白吗",
        "刚下班",
        "什么时候抽奖",
        "背景音乐好听",
        "画质好清楚",
        "讲得真细",
        "看饿了",
        "猫好可爱",
        "口红是什么色号",
        "怎么退货",
        "第一次来",
        "新人报道",
        "是真的吗",
        "我也想去",
        "学到了",
        "有点贵",
    ),
    closers=("", "", "", "？", "！", "哈哈", "😂", "~", "。", "👍", "🙏", "呀"),
    joiner="，",
    scripted=(
        "主播讲得太好了，已经下单支持！",
        "这个质量真的没话说，买了三次了",
        "主播人美心善，大家快去关注她！",
        "刚收到货，质量超出预期，五星好评",
        "家人们冲啊，这个价格错过就没有了！",
        "关注主播不迷路，每天都有惊喜福利",
        "这是我见过最良心的主播，没有之一",
        "已经推荐给身边的朋友了，都说好用",
        "买了给我妈用，她非常喜欢，谢谢主播",
        "直播间福利太多了，感谢主播的用心",
        "主播的讲解很专业，一听就懂，点赞！",
        "价格这么低质量还这么好，真的太划算了",
        "老粉来支持了，主播越来越火！",
        "每天必看的直播间，主播辛苦了",
        "这款我回购好几次了，强烈推荐大家入手",
        "主播声音好好听，被圈粉了",
        "This product is amazing, bought three already",
        "Best live stream ever, highly recommend to everyone!",
        "主播太有才华了，这么好的主播必须支持",
        "好物分享，值得拥有，大家放心买",
        "第一次在直播间买东西，体验非常好",
        "售后也很好，客服态度一级棒",
        "跟着主播买从来没有踩过雷",
        "这个直播间的东西都是正品，放心冲",
        "主播人真好，给我们争取到了最低价",
        "已经是第五次下单了，全家都在用",
        "支持国货，支持良心主播！",
        "看了这么多直播，还是这家最实在",
        "主播的直播间氛围太好了，每天都来",
        "点赞关注加转发，主播一定要火！",
        "东西收到了，包装很精美，下次还来",
        "宝藏主播，相见恨晚",
        "不买真的会后悔，赶紧下单吧家人们",
        "质量好价格低，主播诚信经营，必须支持",
        "主播好有耐心，问什么都认真回答",
        "这是全网最低价了吧，太良心了",
        "推荐给闺蜜了，她也下单了",
        "每次直播都有新惊喜，爱了爱了",
        "跟主播学到了好多知识，谢谢分享",
        "Great quality, fast delivery, five stars",
    ),
    decorations=("", "!", "！！", "👍", "😊", "~", "❤️", "[赞]"),
    passwords=(
        "点赞关注领福袋",
        "家人们福袋冲冲冲",
        "主播人美心善福袋给我",
        "支持主播越来越好",
        "好物节快乐福袋来了",
        "关注主播不迷路",
        "今天也要好运连连",
        "福袋福袋快到碗里来",
        "感谢主播的福利",
        "新来的求个福袋",
        "主播辛苦了早点休息",
        "中奖中奖中奖啊",
        "国货之光支持一下",
        "这个价格太划算了",
        "希望这次能抽中我",
        "双十一提前囤起来",
        "宝藏直播间天天来",
        "主播声音真好听呀",
        "祝主播大卖特卖",
        "我要中福袋我要中",
    ),
    promo=(
        "加微信领取优惠券，名额有限",
        "私信我有更低价，正品代购",
        "兼职日结，在家就能做，私信了解",
        "【限时优惠】点击链接免费领取",
        "需要代购的私信我，全网最低",
        "加V看主页，更多优惠等你",
        "免费领取粉丝福利，速度私信",
        "宝妈兼职，一部手机就能赚钱",
        "关注我送优惠券，加微信备注直播",
        "【福利】前100名免费送，私信领取",
        "正品代购，支持验货，加微信咨询",
        "刷单返利，日赚三百，私信我",
        "涨粉找我，真人粉丝，价格优惠",
        "低价充值会员，私信下单",
        "【招代理】零成本创业，加微信了解",
    ),
    topics=(
        "好物推荐",
        "直播带货",
        "今日穿搭",
        "美食探店",
        "双十一",
        "开箱",
        "宠物日常",
        "健身打卡",
        "国货之光",
        "读书笔记",
        "旅行日记",
        "抽奖",
        "护肤心得",
        "育儿经",
        "追剧",
    ),
    hashtag="#{}# ",
    repost="//@{}: ",
    link_domains=("http://t.cn/", "https://v.douyin.com/", "https://m.tb.cn/h."),
    handles=(" vx:{}", " 威❤:{}", " 加v {}", " 【{}】", " 编号{}", " {}"),
    emoji=(
        "[赞]",
        "[爱心]",
        "[哈哈]",
        "[玫瑰]",
        "🔥",
        "😂",
        "👍",
        "🙏",
        "❤️",
        "✨",
        "[笑cry]",
        "💯",
    ),
    given=tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"),
    extra=tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"),
    phrases=(
        "快乐小猪",
        "追风少年",
        "一只喵",
        "半夏",
        "晚风",
        "吃货一枚",
        "不想上班",
        "小太阳",
        "南城旧梦",
        "奶茶续命",
        "山川湖海",
        "星星点灯",
        "柠檬精",
        "熬夜冠军",
        "佛系青年",
    ),
    default_name="用户",
    bios=(
        "热爱生活",
        "记录日常",
        "一个普通人",
        "喜欢音乐和旅行",
        "宝妈一枚",
        "95后",
        "在读大学生",
        "努力搬砖中",
        "广东人在北京",
        "爱吃爱玩",
        "摄影爱好者",
        "不定期更新",
        "谢谢关注",
        "工作日夜班，周末在线",
        "做自己就好",
        "互关",
        "每天开心",
    ),
)
ZH_PINYIN = (
    "xiaoyu",
    "lele",
    "momo",
    "tiantian",
    "weiwei",
    "jiajia",
    "haohao",
    "xinxin",
    "yaya",
    "bobo",
    "linlin",
    "dudu",
    "chenchen",
    "mengmeng",
    "kiki",
    "lucky",
    "sunny",
)

EN = Language(
    stock=(
        "lol",
        "W",
        "🔥🔥",
        "gg",
        "hi",
        "hii",
        "yesss",
        "love it",
        "omg",
        "lets go",
        "❤️❤️",
        "👏👏",
        "wow",
        "first",
        "hey everyone",
        "so good",
        "lmao",
        "😂😂",
        "nice",
        "facts",
        "ayy",
        "here",
        "💯",
        "hello from texas",
    ),
    openers=(
        "",
        "",
        "hey ",
        "ok ",
        "wait ",
        "honestly ",
        "guys ",
        "quick question ",
        "sis ",
        "bro ",
    ),
    bodies=(
        "how much is this",
        "where is the link",
        "what time do you end",
        "audio is low",
        "long time no see",
        "what song is this",
        "can you show it again",
        "any discount codes",
        "the last one i bought was great",
        "does it ship fast",
        "love the outfit",
        "watching from work",
        "are you live tomorrow",
        "do you have bigger sizes",
        "does this color suit pale skin",
        "just got off work",
        "when is the giveaway",
        "the music is nice",
        "the picture is so clear",
        "great explanation",
        "now im hungry",
        "your cat is so cute",
        "what lipstick shade is that",
        "how do returns work",
        "first time here",
        "new here",
        "is that real",
        "i want to go there too",
        "learned something",
        "kinda pricey",
    ),
    closers=("", "", "", "?", "!", " lol", " 😂", "!!", ".", " 👍", " 🙏", " haha"),
    joiner=", ",
    scripted=(
        "Amazing stream, already ordered mine!",
        "The quality is unreal, bought it three times",
        "Best host on this app, everyone follow her now!",
        "Just got my package, five stars",
        "Guys hurry, this price wont last!",
        "Follow for daily surprises and giveaways",
        "Most honest seller I have ever seen",
        "Recommended it to all my friends, they love it",
        "Bought one for my mom and she loves it",
        "So many deals here, thank you host",
        "Such a clear explanation, instantly understood",
        "Cheap and great quality, a steal",
        "Old fan here, you deserve to blow up!",
        "My daily must-watch stream",
        "Rebought this many times, highly recommend",
        "Your voice is so nice, new fan",
        "Great quality, fast delivery, five stars",
        "Genuine products only here, buy with trust",
        "Customer service was super friendly",
        "Never disappointed buying from this host",
        "Fifth order already, whole family uses it",
        "Best stream vibes ever, here every day",
        "Like follow and share, this host must go viral!",
        "Beautiful packaging, will be back",
        "You will regret not buying, order now",
        "Lowest price anywhere, so honest",
    ),
    decorations=("", "!", "!!", " 👍", " 😊", " ~", " ❤️", " 🔥"),
    passwords=(
        "like and follow for the bag",
        "giveaway lets go",
        "pick me pick me",
        "lucky bag come to me",
        "thank you for the giveaway",
        "good luck everyone",
        "i want to win",
        "best host ever giveaway",
        "support the host",
        "me me me",
    ),
    promo=(
        "DM me for a better price",
        "Free followers, check my bio",
        "Work from home, earn $300 a day, DM",
        "[LIMITED OFFER] click the link for a free gift",
        "Use my promo code for 50% off",
        "Message me on WhatsApp for wholesale",
        "Get paid to watch streams, link in bio",
        "Cheap verified accounts, DM now",
        "Giveaway! Follow me and DM to claim",
        "Crypto signals that actually work, join my group",
        "Buy real fans cheap, fast delivery",
        "Hiring agents, zero cost, text me",
    ),
    topics=(
        "haul",
        "ootd",
        "giveaway",
        "unboxing",
        "blackfriday",
        "foodie",
        "petsofinstagram",
        "fitness",
        "booktok",
        "travel",
        "skincare",
        "gaming",
        "momlife",
        "live",
    ),
    hashtag="#{} ",
    repost="RT @{}: ",
    link_domains=("https://bit.ly/", "https://tinyurl.com/", "https://t.co/"),
    handles=(" wa {}", " code {}", " #{}", " ({})", " ref{}", " {}"),
    emoji=("🔥", "😂", "👍", "🙏", "❤️", "✨", "💯", "😍", "👏", "🙌", "😎", "🤩"),
    given=(
        "emma",
        "liam",
        "olivia",
        "noah",
        "ava",
        "mason",
        "mia",
        "lucas",
        "zoe",
        "jack",
        "lily",
        "ethan",
        "chloe",
        "ryan",
        "grace",
    ),
    extra=(
        "smith",
        "jones",
        "brown",
        "lee",
        "miller",
        "davis",
        "taylor",
        "clark",
        "lewis",
        "young",
        "king",
        "hill",
    ),
    phrases=(
        "sunny_days",
        "coffee_addict",
        "night_owl",
        "pizza_lover",
        "just_vibing",
        "catmom",
        "gamer_girl",
        "wanderlust",
        "bookworm",
        "gym_rat",
        "tiny_dancer",
        "moonchild",
    ),
    default_name="user",
    bios=(
        "living my best life",
        "mom of two",
        "coffee first",
        "college student",
        "dog lover",
        "music and travel",
        "just here for the deals",
        "night shift nurse",
        "follow back",
        "gamer",
        "be kind",
        "texas",
    ),
)

ES = Language(
    stock=(
        "jajaja",
        "jaja",
        "holaa",
        "😂😂",
        "🔥🔥",
        "vamos",
        "que bueno",
        "saludos",
        "buenas",
        "❤️❤️",
        "👏👏",
        "genial",
        "presente",
        "wow",
        "te amo",
        "primero",
        "hola hola",
        "siii",
        "que lindo",
        "💯",
        "dale",
        "uff",
        "buenas noches",
        "me encanta",
    ),
    openers=(
        "",
        "",
        "hola ",
        "oye ",
        "amiga ",
        "chicos ",
        "una pregunta ",
        "porfa ",
        "reina ",
        "jefe ",
    ),
    bodies=(
        "cuanto cuesta",
        "donde esta el link",
        "a que hora terminas",
        "no se escucha bien",
        "cuanto tiempo",
        "como se llama la cancion",
        "lo puedes mostrar otra vez",
        "hay descuento",
        "el ultimo que compre es buenisimo",
        "el envio es rapido",
        "que lindo outfit",
        "te veo desde el trabajo",
        "mañana hay live",
        "hay tallas grandes",
        "este color queda bien",
        "recien salgo del trabajo",
        "cuando es el sorteo",
        "que buena musica",
        "se ve clarito",
        "muy bien explicado",
        "me dio hambre",
        "que lindo gato",
        "que tono de labial es",
        "como son las devoluciones",
        "primera vez aqui",
        "soy nueva",
        "en serio",
        "yo tambien quiero ir",
        "aprendi algo",
        "un poco caro",
    ),
    closers=("", "", "", "?", "!", " jaja", " 😂", "!!", ".", " 👍", " 🙏", " xd"),
    joiner=", ",
    scripted=(
        "Excelente live, ya hice mi pedido!",
        "La calidad es increible, ya compre tres",
        "La mejor presentadora, siganla todos!",
        "Me llego el paquete, cinco estrellas",
        "Corran que este precio no dura!",
        "Siguela para sorpresas diarias",
        "La vendedora mas honesta que he visto",
        "Se lo recomende a mis amigas, les encanto",
        "Le compre uno a mi mama y le encanto",
        "Cuantas ofertas, gracias reina",
        "Que bien explicado, se entiende todo",
        "Barato y de buena calidad, un regalo",
        "Fan de siempre, te mereces todo!",
        "Mi live favorito de cada dia",
        "Lo he vuelto a comprar muchas veces, recomendado",
        "Productos originales, compren tranquilos",
        "La atencion al cliente es buenisima",
        "Nunca me decepciona comprar aqui",
        "Like, sigue y comparte, que se haga viral!",
        "Te vas a arrepentir si no compras",
    ),
    decorations=("", "!", "!!", " 👍", " 😊", " ~", " ❤️", " 🔥"),
    passwords=(
        "quiero el sorteo",
        "suerte a todos",
        "elijanme porfa",
        "gracias por el regalo",
        "yo yo yo",
        "sorteo sorteo",
        "quiero ganar",
        "la mejor del live",
        "apoyo total",
        "que me toque",
    ),
    promo=(
        "Escribeme al DM para mejor precio",
        "Seguidores gratis, mira mi perfil",
        "Trabaja desde casa, gana 300 al dia, escribeme",
        "[OFERTA] entra al link y reclama tu regalo",
        "Usa mi codigo de descuento",
        "Escribeme al WhatsApp para mayoreo",
        "Gana dinero viendo lives, link en mi perfil",
        "Vendo cuentas verificadas baratas",
        "Sorteo! sigueme y escribeme",
        "Compra seguidores reales, entrega rapida",
    ),
    topics=(
        "sorteo",
        "outfit",
        "unboxing",
        "ofertas",
        "comida",
        "mascotas",
        "fitness",
        "viajes",
        "belleza",
        "envivo",
        "mama",
        "gaming",
    ),
    hashtag="#{} ",
    repost="RT @{}: ",
    link_domains=("https://bit.ly/", "https://acortar.link/", "https://wa.me/"),
    handles=(" wsp {}", " codigo {}", " #{}", " ({})", " ref{}", " {}"),
    emoji=("🔥", "😂", "👍", "🙏", "❤️", "✨", "💯", "😍", "👏", "🙌", "🥰", "🤣"),
    given=(
        "sofia",
        "mateo",
        "valentina",
        "santiago",
        "camila",
        "diego",
        "lucia",
        "juan",
        "isabella",
        "carlos",
        "martina",
        "luis",
        "ana",
        "jose",
        "paula",
    ),
    extra=(
        "garcia",
        "lopez",
        "martinez",
        "rodriguez",
        "perez",
        "gomez",
        "sanchez",
        "diaz",
        "torres",
        "ramirez",
        "flores",
        "cruz",
    ),
    phrases=(
        "la_reina",
        "chica_feliz",
        "cafecito",
        "noche_de_luna",
        "viajera",
        "mama_feliz",
        "gamer_pro",
        "amante_de_gatos",
        "sol_y_mar",
        "fitlife",
        "dulce_vida",
        "rockero",
    ),
    default_name="usuario",
    bios=(
        "amo la vida",
        "mama de dos",
        "estudiante",
        "amante de los perros",
        "musica y viajes",
        "aqui por las ofertas",
        "enfermera de noche",
        "sigueme y te sigo",
        "dios es amor",
        "mexico",
        "buena vibra",
        "cafe primero",
    ),
)

ID = Language(
    stock=(
        "wkwk",
        "wkwkwk",
        "halo kak",
        "mantap",
        "🔥🔥",
        "gas",
        "hadir",
        "keren",
        "❤️❤️",
        "👍👍",
        "semangat",
        "lucu",
        "asik",
        "pertamax",
        "haha",
        "😂😂",
        "sip",
        "mantul",
        "cakep",
        "💯",
        "halo",
        "salam",
        "nyimak",
        "gaskeun",
    ),
    openers=("", "", "kak ", "min ", "bun ", "gan ", "mau tanya ", "guys ", "bang ", "sis "),
    bodies=(
        "berapa harganya",
        "linknya dimana",
        "jam berapa selesai",
        "suaranya kecil",
        "lama ga ketemu",
        "judul lagunya apa",
        "bisa diulang lagi",
        "ada diskon ga",
        "yang kemarin bagus banget",
        "pengirimannya cepat ga",
        "bajunya bagus",
        "nonton sambil kerja",
        "besok live lagi ga",
        "ada ukuran besar",
        "warnanya cocok ga",
        "baru pulang kerja",
        "kapan giveaway",
        "musiknya enak",
        "gambarnya jernih",
        "penjelasannya detail",
        "jadi lapar",
        "kucingnya lucu",
        "lipstiknya warna apa",
        "cara returnya gimana",
        "pertama kali kesini",
        "baru gabung",
        "beneran",
        "pengen kesana juga",
        "jadi tahu",
        "agak mahal",
    ),
    closers=("", "", "", "?", "!", " wkwk", " 😂", "!!", ".", " 👍", " 🙏", " hehe"),
    joiner=", ",
    scripted=(
        "Live terbaik, udah checkout!",
        "Kualitasnya mantap, udah beli tiga kali",
        "Host terbaik, ayo follow semuanya!",
        "Paket udah sampai, bintang lima",
        "Buruan guys, harga ini ga lama!",
        "Follow biar dapat promo tiap hari",
        "Seller paling jujur yang pernah aku temui",
        "Udah aku rekomendasiin ke temen semua",
        "Beli buat ibu, dia suka banget",
        "Banyak promo, makasih kak",
        "Penjelasannya jelas banget, langsung paham",
        "Murah dan berkualitas, worth it",
        "Fans lama hadir, semoga makin rame!",
        "Live wajib tonton tiap hari",
        "Udah repeat order berkali kali, recommended",
        "Barang original, aman belanja disini",
        "Pelayanannya ramah banget",
        "Belanja disini ga pernah kecewa",
        "Like follow share, semoga viral!",
        "Nyesel kalau ga beli, checkout sekarang",
    ),
    decorations=("", "!", "!!", " 👍", " 😊", " ~", " ❤️", " 🔥"),
    passwords=(
        "mau giveaway",
        "semoga menang",
        "pilih aku kak",
        "makasih giveawaynya",
        "aku aku aku",
        "giveaway giveaway",
        "pengen menang",
        "host terbaik",
        "dukung terus",
        "semoga dapat",
    ),
    promo=(
        "DM aja kak harga lebih murah",
        "Followers gratis, cek bio",
        "Kerja dari rumah, gaji 300rb sehari, DM",
        "[PROMO] klik link dapat hadiah gratis",
        "Pakai kode promo aku diskon 50%",
        "Chat WA untuk grosir",
        "Dapat uang nonton live, link di bio",
        "Jual akun murah, DM sekarang",
        "Giveaway! follow dan DM untuk klaim",
        "Beli followers asli, proses cepat",
    ),
    topics=(
        "giveaway",
        "ootd",
        "unboxing",
        "promo",
        "kuliner",
        "kucing",
        "olahraga",
        "jalanjalan",
        "skincare",
        "live",
        "ibumuda",
        "game",
    ),
    hashtag="#{} ",
    repost="RT @{}: ",
    link_domains=("https://bit.ly/", "https://s.id/", "https://wa.me/"),
    handles=(" wa {}", " kode {}", " #{}", " ({})", " ref{}", " {}"),
    emoji=("🔥", "😂", "👍", "🙏", "❤️", "✨", "💯", "😍", "👏", "🙌", "🥰", "🤣"),
    given=(
        "putri",
        "budi",
        "siti",
        "agus",
        "dewi",
        "rizky",
        "ayu",
        "andi",
        "indah",
        "dimas",
        "nur",
        "fajar",
        "rina",
        "bayu",
        "tari",
    ),
    extra=(
        "sari",
        "pratama",
        "wati",
        "saputra",
        "lestari",
        "kurnia",
        "hidayat",
        "utami",
        "santoso",
        "wijaya",
        "rahma",
        "putra",
    ),
    phrases=(
        "anak_senja",
        "kopi_hitam",
        "si_kucing",
        "pejuang_rupiah",
        "mamah_muda",
        "gamer_sejati",
        "pecinta_kopi",
        "jalan_jalan",
        "bunda_bahagia",
        "cah_ayu",
        "anak_rantau",
        "si_imut",
    ),
    default_name="user",
    bios=(
        "hidup santai",
        "ibu dua anak",
        "mahasiswa",
        "pecinta kucing",
        "musik dan jalan jalan",
        "cari promo",
        "kerja shift malam",
        "follback",
        "jakarta",
        "semangat",
        "anak rantau",
        "kopi dulu",
    ),
)

LANGUAGE_TEXTS: dict[str, Language] = {"zh": ZH, "en": EN, "es": ES, "id": ID}

# Kept for callers and tests of the fixed (Chinese) world.
STOCK_PHRASES = ZH.stock
SCRIPTED_SENTENCES = ZH.scripted
SCRIPT_DECORATIONS = ZH.decorations
LUCKY_BAG_PASSWORDS = ZH.passwords
N_PASSWORDS = 20  # password index range of a session; each language takes it modulo its own

BODY_PARTS = ("stock", "short", "long", "scripted", "password", "promo")
AFFIX_PARTS = ("mention", "hashtag", "repost", "link", "tail", "emoji")
NAMES_PER_LANGUAGE = 1500
LINKS_PER_LANGUAGE = 4000
TAILS_PER_LANGUAGE = 3000
_ALPHABET = np.array(list("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"))


def _pick(rng: np.random.Generator, options, n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def _digits(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    return rng.integers(low, high, n).astype(str).astype(object)


def _random_words(rng: np.random.Generator, n: int, length: int) -> list[str]:
    letters = _ALPHABET[rng.integers(0, len(_ALPHABET), (n, length))]
    return ["".join(row) for row in letters]


def _bodies(lang: Language) -> dict[str, list[str]]:
    short = [o + b + c for o in lang.openers for b in lang.bodies for c in lang.closers]
    long = [
        o + a + lang.joiner + b + c
        for o in lang.openers
        for a in lang.bodies
        for b in lang.bodies
        for c in lang.closers
    ]
    scripted = [s + deco for deco in lang.decorations for s in lang.scripted]
    return {
        "stock": list(lang.stock),
        "short": short,
        "long": long,
        "scripted": scripted,
        "password": list(lang.passwords),
        "promo": list(lang.promo),
    }


def _affixes(name: str, lang: Language) -> dict[str, list[str]]:
    rng = np.random.default_rng([LANGUAGES_ORDER.index(name), 0xA1F])
    names = nickname_strings(rng, np.ones(NAMES_PER_LANGUAGE), lang)
    links = _pick(rng, lang.link_domains, LINKS_PER_LANGUAGE) + np.array(
        _random_words(rng, LINKS_PER_LANGUAGE, 7), dtype=object
    )
    handles = _pick(rng, lang.handles, TAILS_PER_LANGUAGE)
    values = np.where(
        rng.random(TAILS_PER_LANGUAGE) < 0.5,
        _digits(rng, TAILS_PER_LANGUAGE, 1, 100_000),
        np.array(_random_words(rng, TAILS_PER_LANGUAGE, 6), dtype=object),
    )
    return {
        "mention": [f"@{n} " for n in names],
        "hashtag": [lang.hashtag.format(t) for t in lang.topics],
        "repost": [lang.repost.format(n) for n in names],
        "link": [" " + str(link) for link in links],
        "tail": [h.format(v) for h, v in zip(handles, values, strict=False)],
        "emoji": [" " + e for e in lang.emoji] + [" " + e + e for e in lang.emoji],
    }


LANGUAGES_ORDER = tuple(LANGUAGE_TEXTS)


@lru_cache(maxsize=8)
def _language_parts(name: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    lang = LANGUAGE_TEXTS[name]
    return _bodies(lang), _affixes(name, lang)


class Vocabulary:
    """The comment texts of a world's languages (index 0 the main one, 1 the second)."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        texts, affixes = [], [""]
        self._offset: dict[tuple[int, str], int] = {}
        self._size: dict[tuple[int, str], int] = {}
        body_total, affix_total = 0, 1
        for index, name in enumerate(languages):
            bodies, extras = _language_parts(name)
            for part in BODY_PARTS:
                self._offset[index, part], self._size[index, part] = body_total, len(bodies[part])
                texts += bodies[part]
                body_total += len(bodies[part])
            for part in AFFIX_PARTS:
                self._offset[index, part], self._size[index, part] = affix_total, len(extras[part])
                affixes += extras[part]
                affix_total += len(extras[part])
        self.texts = pa.array(texts, type=pa.string())
        self.affixes = pa.array(affixes, type=pa.string())

    def size(self, lang: int, part: str) -> int:
        return self._size[lang, part]

    def code(self, part: str, lang: np.ndarray | int, index: np.ndarray) -> np.ndarray:
        """Codes of the `index`-th entries (modulo the part's size) of a part, per language."""
        lang, index = np.broadcast_arrays(np.asarray(lang, np.int64), np.asarray(index, np.int64))
        offset = np.array([self._offset[i, part] for i in range(len(self.languages))])
        size = np.array([self._size[i, part] for i in range(len(self.languages))])
        return offset[lang] + index % size[lang]

    def any(self, rng: np.random.Generator, part: str, lang: np.ndarray) -> np.ndarray:
        """Uniformly drawn entries of a part."""
        return self.code(part, lang, rng.integers(0, 2**40, len(lang)))

    def stock(self, rng: np.random.Generator, lang: np.ndarray) -> np.ndarray:
        """Stock phrases, Zipf-skewed like real live chat."""
        ranks = np.arange(1, 25)
        weights = 1.0 / ranks
        index = rng.choice(len(ranks), len(lang), p=weights / weights.sum())
        return self.code("stock", lang, index)

    def chat(
        self, rng: np.random.Generator, lang: np.ndarray, long_share: np.ndarray | float = 0.2
    ) -> np.ndarray:
        """Varied ordinary chat sentences, `long_share` of them two-part (indices drawn in
        the main language's ranges, taken modulo the second's)."""
        n = len(lang)
        long = rng.random(n) < long_share
        index = np.where(
            long,
            rng.integers(0, self.size(0, "long"), n),
            rng.integers(0, self.size(0, "short"), n),
        )
        return np.where(long, self.code("long", lang, index), self.code("short", lang, index))

    def human_chat(
        self,
        rng: np.random.Generator,
        lang: np.ndarray,
        stock_share,
        long_share: np.ndarray | float = 0.2,
    ) -> np.ndarray:
        """A mix of stock phrases and varied chat."""
        codes = self.chat(rng, lang, long_share)
        stock = rng.random(len(lang)) < stock_share
        codes[stock] = self.stock(rng, lang[stock])
        return codes

    def scripted(
        self, rng: np.random.Generator, lang: int, pool: np.ndarray, n: int, decorate: float
    ) -> np.ndarray:
        """Sentences from an operator's pool (indices into its language's scripts),
        decorated with probability `decorate`."""
        name = LANGUAGE_TEXTS[self.languages[lang]]
        n_scripts = len(name.scripted)
        sentence = np.asarray(pool)[rng.integers(0, len(pool), n)] % n_scripts
        decoration = np.where(
            rng.random(n) < decorate, rng.integers(1, len(name.decorations), n), 0
        )
        return self.code("scripted", np.full(n, lang), decoration * n_scripts + sentence)

    def n_scripts(self, lang: int) -> int:
        return len(LANGUAGE_TEXTS[self.languages[lang]].scripted)

    def decorate(
        self,
        rng: np.random.Generator,
        lang: np.ndarray,
        prefix: dict[str, float],
        suffix: dict[str, float],
        pools: dict[str, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Prefix and suffix codes: at most one prefix part and one suffix part per comment,
        each part with its probability; `pools` restricts a part to the given indices."""
        return (
            self._affix(rng, lang, prefix, pools or {}),
            self._affix(rng, lang, suffix, pools or {}),
        )

    def _affix(
        self, rng, lang: np.ndarray, shares: dict[str, float], pools: dict[str, np.ndarray]
    ) -> np.ndarray:
        n = len(lang)
        codes = np.zeros(n, np.int64)
        u = rng.random(n)
        low = np.zeros(n)
        for part, given in shares.items():
            share = np.broadcast_to(np.asarray(given, float), (n,))
            chosen = (u >= low) & (u < low + share)
            low = low + share
            if not chosen.any():
                continue
            pool = pools.get(part)
            if pool is None:
                index = rng.integers(0, 2**40, int(chosen.sum()))
            else:
                index = np.asarray(pool)[rng.integers(0, len(pool), int(chosen.sum()))]
            codes[chosen] = self.code(part, lang[chosen], index)
        return codes


@lru_cache(maxsize=8)
def vocabulary(languages: tuple[str, ...]) -> Vocabulary:
    return Vocabulary(languages)


NICKNAME_STYLES = ("name", "latin", "phrase", "default", "phrase_digits")
HUMAN_STYLE_WEIGHTS = np.array([0.30, 0.20, 0.33, 0.07, 0.10])
BOT_STYLE_WEIGHTS = np.array([0.15, 0.15, 0.10, 0.35, 0.25])


def nickname_strings(
    rng: np.random.Generator, humanlike: np.ndarray, lang: Language = ZH
) -> np.ndarray:
    """Display names; `humanlike` (0..1 per account) blends the style mix from the bot-farm
    one (default names, digits) to the human one."""
    n = len(humanlike)
    weights = np.outer(humanlike, HUMAN_STYLE_WEIGHTS) + np.outer(1 - humanlike, BOT_STYLE_WEIGHTS)
    style = (rng.random(n)[:, None] > np.cumsum(weights, axis=1)).sum(axis=1)
    style = np.minimum(style, len(NICKNAME_STYLES) - 1)
    latin = ZH_PINYIN if lang is ZH else lang.given
    if lang is ZH:
        names = np.where(
            style == 0, _pick(rng, lang.extra, n) + _pick(rng, lang.given, n), _pick(rng, latin, n)
        )
        short_given = rng.random(n) < 0.5
        names = np.where((style == 0) & ~short_given, names + _pick(rng, lang.given, n), names)
    else:
        names = np.where(
            style == 0,
            _pick(rng, lang.given, n) + "_" + _pick(rng, lang.extra, n),
            _pick(rng, latin, n),
        )
    names = np.where((style == 1) & (rng.random(n) < 0.4), names + _digits(rng, n, 1, 2000), names)
    names = np.where(style == 2, _pick(rng, lang.phrases, n), names)
    names = np.where(style == 3, lang.default_name + _digits(rng, n, 10**6, 10**10), names)
    names = np.where(style == 4, _pick(rng, lang.phrases, n) + _digits(rng, n, 10, 99999), names)
    return names


def nicknames(rng: np.random.Generator, humanlike: np.ndarray, language: str = "zh") -> pa.Array:
    names = nickname_strings(rng, humanlike, LANGUAGE_TEXTS[language])
    return pa.array(names.tolist(), type=pa.string())


def bios(rng: np.random.Generator, has_bio: np.ndarray, language: str = "zh") -> pa.Array:
    """Profile texts; null where the account has none."""
    texts = _pick(rng, LANGUAGE_TEXTS[language].bios, len(has_bio))
    # numpy's stubs leave None out of ArrayLike, though np.where takes it (an object array)
    return pa.array(
        np.where(has_bio, texts, None).tolist(),  # type: ignore[call-overload]
        type=pa.string(),
    )
